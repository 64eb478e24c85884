//! The loader's bounds on what it holds while it reads (README "Limits", `pfw_ddf::load`):
//! elements held at once, attributes per element, recorded names of unmodelled elements.
//! Each input is within the file-size limit; without these bounds each would take many
//! times its size in memory (a 16 MiB file of `<a/>` in one node took 755 MiB).

use pfw_ddf::load::{MAX_DDF_ATTRIBUTES, MAX_DDF_HELD_ELEMENTS, MAX_SKIPPED_NAMES};
use pfw_ddf::{LoadError, Schema};

/// A one-node DDF with `inner` inside its DFProperties.
fn one_node(inner: &str) -> String {
    format!(
        "<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>B</NodeName><Path>./Vendor/MSFT</Path>\
         <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat>{inner}\
         </DFProperties></Node></MgmtTree>"
    )
}

#[test]
fn one_node_holding_too_many_elements_is_refused() {
    let many = one_node(&"<a/>".repeat(MAX_DDF_HELD_ELEMENTS));
    assert!(
        matches!(Schema::load(many.as_bytes()), Err(LoadError::TooComplex { max, .. }) if max == MAX_DDF_HELD_ELEMENTS),
    );
    // As many elements spread over many nodes are released node by node: they load.
    let leaf = "<Node><NodeName>n</NodeName><DFProperties><AccessType><Get/></AccessType>\
                <DFFormat><chr/></DFFormat><a/><b/><c/></DFProperties></Node>";
    let spread = format!(
        "<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>B</NodeName><Path>./Vendor/MSFT</Path>\
         <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties>\
         {}</Node></MgmtTree>",
        leaf.repeat(MAX_DDF_HELD_ELEMENTS / 8)
    );
    assert!(Schema::load(spread.as_bytes()).is_ok());
}

#[test]
fn an_element_with_too_many_attributes_is_refused() {
    let attrs: String = (0..=MAX_DDF_ATTRIBUTES)
        .map(|i| format!(" a{i}=\"\""))
        .collect();
    let ddf = one_node(&format!("<MSFT:Deprecated{attrs}/>"));
    assert!(
        matches!(Schema::load(ddf.as_bytes()), Err(LoadError::TooManyAttributes { max, .. }) if max == MAX_DDF_ATTRIBUTES),
    );
    let attrs: String = (0..MAX_DDF_ATTRIBUTES)
        .map(|i| format!(" a{i}=\"\""))
        .collect();
    let ddf = one_node(&format!("<MSFT:Deprecated{attrs}/>"));
    assert!(Schema::load(ddf.as_bytes()).is_ok(), "at the limit");
}

#[test]
fn unmodelled_elements_are_recorded_once_each_up_to_the_cap() {
    let repeated = one_node(&"<Shiny/>".repeat(1000));
    let schema = Schema::load(repeated.as_bytes()).expect("loads");
    assert_eq!(schema.roots[0].skipped, ["Shiny"], "once");
    let distinct: String = (0..1000).map(|i| format!("<S{i}/>")).collect();
    let schema = Schema::load(one_node(&distinct).as_bytes()).expect("loads");
    assert_eq!(schema.roots[0].skipped.len(), MAX_SKIPPED_NAMES);
    assert_eq!(schema.roots[0].skipped[0], "S0");
}

#[test]
fn error_paths_name_the_node_as_read_so_far() {
    // Nodes are read as they close; an error still names the node's full path.
    let ddf = "<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>B</NodeName><Path>./Vendor/MSFT</Path>\
               <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties>\
               <Node><NodeName></NodeName><DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties>\
               <Node><NodeName>Leaf</NodeName></Node></Node></Node></MgmtTree>";
    let error = Schema::load(ddf.as_bytes()).expect_err("no DFProperties");
    assert_eq!(
        error.to_string(),
        "DDF node `./Vendor/MSFT/B/{}/Leaf` has no `DFProperties`"
    );
}
