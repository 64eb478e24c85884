//! The server side of the enrollment messages: what the test server checks in each request
//! and what it answers. The checks are those real servers apply (Fleet's
//! `IsValidDiscoveryMsg` and `IsValidRequestSecurityTokenMsg`, reference §1.3 and §3.1)
//! plus the shape of the real Windows capture (actions, addressing headers, the security
//! token, the `xsi:nil` policy request fields, the AdditionalContext items). Every failed
//! check is reported as a violation, and the server then answers with a SOAP fault.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::pki::{Pki, RsaKeyData, check_csr};
use crate::spec::{
    ACTION_DISCOVER, ACTION_GET_POLICIES, ACTION_RST, ADDRESS_ANONYMOUS, ENCODING_BASE64,
    NS_ADDRESSING, NS_AUTHORIZATION, NS_ENROLLMENT, NS_POLICY, NS_SOAP12, NS_TRUST, NS_WSSE,
    NS_WSU, PASSWORD_TEXT, REQUEST_TYPE_ISSUE, SignatureHash, TOKEN_TYPE_DEVICE_ENROLLMENT,
    USERNAME_TOKEN_ID, VALUE_TYPE_PKCS10, VALUE_TYPE_PROVISION_DOC, VALUE_TYPE_USER_TOKEN, XSI_NS,
};
use crate::wire::HttpRequest;
use crate::{ProvisioningTweak, ServerAuth, TestServerConfig};
use pfw_session::xml::{self, Element, escape};

/// What the server answers.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) retry_after: Option<String>,
}

impl Reply {
    fn soap(body: String) -> Self {
        Self {
            status: 200,
            content_type: SOAP_CONTENT_TYPE,
            body: body.into_bytes(),
            retry_after: None,
        }
    }

    /// A SOAP 1.2 fault (MS-MDE2 §2.2.10 shape) with HTTP 500.
    pub(crate) fn fault(subcode: &str, reason: &str) -> Self {
        Self {
            status: 500,
            content_type: SOAP_CONTENT_TYPE,
            body: format!(
                concat!(
                    r#"<s:Envelope xmlns:s="{s}" xmlns:a="{a}">"#,
                    r#"<s:Header><a:Action s:mustUnderstand="1">{a}/soap/fault</a:Action></s:Header>"#,
                    r#"<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value>"#,
                    r#"<s:Subcode><s:Value>{subcode}</s:Value></s:Subcode></s:Code>"#,
                    r#"<s:Reason><s:Text xml:lang="en-US">{reason}</s:Text></s:Reason>"#,
                    r#"</s:Fault></s:Body></s:Envelope>"#,
                ),
                s = NS_SOAP12,
                a = NS_ADDRESSING,
                subcode = escape(subcode),
                reason = escape(reason),
            )
            .into_bytes(),
            retry_after: None,
        }
    }

    /// An empty 200.
    pub(crate) fn empty(content_type: &'static str) -> Self {
        Self {
            status: 200,
            content_type,
            body: Vec::new(),
            retry_after: None,
        }
    }
}

/// Where the server lives, what it was told, and its PKI.
pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a TestServerConfig,
    pub(crate) base_url: &'a str,
    pub(crate) pki: &'a Pki,
}

/// The GET probe: Windows's headers, no body.
pub(crate) fn probe(req: &HttpRequest) -> (Vec<String>, Reply) {
    let mut v = Vec::new();
    expect_header(req, "User-Agent", "ENROLLClient", &mut v);
    expect_header(req, "Cache-Control", "no-cache", &mut v);
    expect_header(req, "Pragma", "no-cache", &mut v);
    if !req.body.is_empty() {
        v.push("GET probe: has a body".to_owned());
    }
    (v, Reply::empty("text/html"))
}

/// `Discover`.
pub(crate) fn discover(req: &HttpRequest, ctx: &Ctx<'_>) -> (Vec<String>, Reply) {
    let opened = open_envelope(req, ctx, "Discovery.svc", ACTION_DISCOVER);
    let Opened(mut v, env, message_id) = match opened {
        Ok(opened) => opened,
        Err(fault) => return fault,
    };
    let request = env.path(&[
        (NS_SOAP12, "Body"),
        (NS_ENROLLMENT, "Discover"),
        (NS_ENROLLMENT, "request"),
    ]);
    let Some(request) = request else {
        v.push("Discover: no Body/Discover/request".to_owned());
        return fault_for(v);
    };
    let text = |name: &str| {
        request
            .child(NS_ENROLLMENT, name)
            .map(Element::trimmed_text)
    };
    // MS-MDE2 3.1.4.1.3.1: EmailAddress is required; OnPremise needs a user in it.
    match text("EmailAddress") {
        None => v.push("Discover: no EmailAddress".to_owned()),
        Some("") if matches!(ctx.config.auth, ServerAuth::OnPremise { .. }) => {
            v.push("Discover: EmailAddress is empty".to_owned());
        }
        Some(_) => {}
    }
    if !matches!(text("RequestVersion"), Some("4.0" | "5.0" | "6.0" | "7.0")) {
        v.push(format!(
            "Discover: RequestVersion {:?} not in 4.0..7.0",
            text("RequestVersion")
        ));
    }
    if !matches!(
        text("DeviceType"),
        Some("CIMClient_Windows" | "WindowsPhone")
    ) {
        v.push(format!("Discover: DeviceType {:?}", text("DeviceType")));
    }
    if !text("ApplicationVersion").is_some_and(is_four_part_version) {
        v.push("Discover: ApplicationVersion is not int.int.int.int".to_owned());
    }
    if text("OSEdition").is_none_or(|e| e.parse::<u32>().is_err()) {
        v.push("Discover: OSEdition is not an unsignedInt".to_owned());
    }
    let policies: Vec<&str> = request
        .child(NS_ENROLLMENT, "AuthPolicies")
        .into_iter()
        .flat_map(|p| p.children_named(NS_ENROLLMENT, "AuthPolicy"))
        .map(Element::trimmed_text)
        .collect();
    if policies.is_empty() || policies.len() > 3 {
        v.push(format!(
            "Discover: {} AuthPolicy values (1..3)",
            policies.len()
        ));
    }
    if policies
        .iter()
        .any(|p| !matches!(*p, "OnPremise" | "Federated" | "Certificate"))
    {
        v.push(format!("Discover: unknown AuthPolicy in {policies:?}"));
    }
    if !policies.contains(&"OnPremise") {
        v.push("Discover: AuthPolicies lacks OnPremise".to_owned());
    }
    if !v.is_empty() {
        return fault_for(v);
    }
    let (policy, auth_url) = match ctx.config.auth {
        ServerAuth::OnPremise { .. } => ("OnPremise", String::new()),
        ServerAuth::Federated { .. } => (
            "Federated",
            format!(
                "<AuthenticationServiceUrl>{}/AuthenticationServer/Login</AuthenticationServiceUrl>",
                ctx.base_url
            ),
        ),
    };
    let policy_url = if ctx.config.offer_policy_service {
        format!(
            "<EnrollmentPolicyServiceUrl>{}/EnrollmentServer/Policy.svc</EnrollmentPolicyServiceUrl>",
            ctx.base_url
        )
    } else {
        String::new()
    };
    let body = format!(
        concat!(
            r#"<s:Body><DiscoverResponse xmlns="{ns}"><DiscoverResult>"#,
            r#"<AuthPolicy>{policy}</AuthPolicy><EnrollmentVersion>{version}</EnrollmentVersion>"#,
            r#"{policy_url}<EnrollmentServiceUrl>{base}/EnrollmentServer/Enrollment.svc</EnrollmentServiceUrl>"#,
            r#"{auth_url}</DiscoverResult></DiscoverResponse></s:Body>"#,
        ),
        ns = NS_ENROLLMENT,
        policy = policy,
        version = escape(&ctx.config.enrollment_version),
        policy_url = policy_url,
        base = ctx.base_url,
        auth_url = auth_url,
    );
    let action = format!("{ACTION_DISCOVER}Response");
    (v, response("", &action, &message_id, &body))
}

/// MS-XCEP `GetPolicies`.
pub(crate) fn get_policies(req: &HttpRequest, ctx: &Ctx<'_>) -> (Vec<String>, Reply) {
    let opened = open_envelope(req, ctx, "Policy.svc", ACTION_GET_POLICIES);
    let Opened(mut v, env, message_id) = match opened {
        Ok(opened) => opened,
        Err(fault) => return fault,
    };
    let authenticated = check_security(&env, ctx.config, &mut v);
    match env.path(&[(NS_SOAP12, "Body"), (NS_POLICY, "GetPolicies")]) {
        Some(get) => {
            for (path, name) in [
                (
                    &[(NS_POLICY, "client"), (NS_POLICY, "lastUpdate")][..],
                    "client/lastUpdate",
                ),
                (
                    &[(NS_POLICY, "client"), (NS_POLICY, "preferredLanguage")][..],
                    "client/preferredLanguage",
                ),
                (&[(NS_POLICY, "requestFilter")][..], "requestFilter"),
            ] {
                if !get.path(path).is_some_and(Element::is_nil) {
                    v.push(format!("GetPolicies: {name} is not xsi:nil"));
                }
            }
        }
        None => v.push("GetPolicies: no Body/GetPolicies".to_owned()),
    }
    if !v.is_empty() {
        return fault_for(v);
    }
    if !authenticated {
        return (v, Reply::fault("s:Authentication", "bad credentials"));
    }
    let (hash_ref, oid) = match &ctx.config.policy_hash_oid {
        Some(oid) => (
            "<hashAlgorithmOIDReference>0</hashAlgorithmOIDReference>".to_owned(),
            format!(
                "<oID><value>{}</value><group>1</group><oIDReferenceID>0</oIDReferenceID><defaultName>hash</defaultName></oID>",
                escape(oid)
            ),
        ),
        None => (
            r#"<hashAlgorithmOIDReference xsi:nil="true"/>"#.to_owned(),
            String::new(),
        ),
    };
    let body = format!(
        concat!(
            r#"<s:Body xmlns:xsi="{xsi}"><GetPoliciesResponse xmlns="{ns}"><response>"#,
            r#"<policyID/><policyFriendlyName/><nextUpdateHours xsi:nil="true"/><policiesNotChanged xsi:nil="true"/>"#,
            r#"<policies><policy><policyOIDReference>0</policyOIDReference><cAs xsi:nil="true"/><attributes>"#,
            r#"<commonName>pfw-test</commonName><policySchema>3</policySchema>"#,
            r#"<certificateValidity><validityPeriodSeconds>1209600</validityPeriodSeconds><renewalPeriodSeconds>172800</renewalPeriodSeconds></certificateValidity>"#,
            r#"<permission><enroll>true</enroll><autoEnroll>false</autoEnroll></permission>"#,
            r#"<privateKeyAttributes><minimalKeyLength>{bits}</minimalKeyLength><keySpec xsi:nil="true"/>"#,
            r#"<keyUsageProperty xsi:nil="true"/><permissions xsi:nil="true"/><algorithmOIDReference xsi:nil="true"/>"#,
            r#"<cryptoProviders xsi:nil="true"/></privateKeyAttributes>"#,
            r#"<revision><majorRevision>101</majorRevision><minorRevision>0</minorRevision></revision>"#,
            r#"<supersededPolicies xsi:nil="true"/><privateKeyFlags xsi:nil="true"/><subjectNameFlags xsi:nil="true"/>"#,
            r#"<enrollmentFlags xsi:nil="true"/><generalFlags xsi:nil="true"/>{hash_ref}"#,
            r#"<rARequirements xsi:nil="true"/><keyArchivalAttributes xsi:nil="true"/><extensions xsi:nil="true"/>"#,
            r#"</attributes></policy></policies></response><cAs xsi:nil="true"/><oIDs>{oid}</oIDs>"#,
            r#"</GetPoliciesResponse></s:Body>"#,
        ),
        xsi = XSI_NS,
        ns = NS_POLICY,
        bits = ctx.config.min_key_bits,
        hash_ref = hash_ref,
        oid = oid,
    );
    let action = format!("{ACTION_GET_POLICIES}Response");
    (v, response("", &action, &message_id, &body))
}

/// MS-WSTEP `RequestSecurityToken`: checks, signs the request, returns the provisioning
/// document.
pub(crate) fn enrollment(
    req: &HttpRequest,
    ctx: &Ctx<'_>,
    tweak: Option<ProvisioningTweak>,
) -> (Vec<String>, Reply) {
    let opened = open_envelope(req, ctx, "Enrollment.svc", ACTION_RST);
    let Opened(mut v, env, message_id) = match opened {
        Ok(opened) => opened,
        Err(fault) => return fault,
    };
    let authenticated = check_security(&env, ctx.config, &mut v);
    let Some(rst) = env.path(&[(NS_SOAP12, "Body"), (NS_TRUST, "RequestSecurityToken")]) else {
        v.push("RST: no Body/RequestSecurityToken".to_owned());
        return fault_for(v);
    };
    let text = |name: &str| rst.child(NS_TRUST, name).map(Element::trimmed_text);
    if text("TokenType") != Some(TOKEN_TYPE_DEVICE_ENROLLMENT) {
        v.push(format!("RST: TokenType {:?}", text("TokenType")));
    }
    if text("RequestType") != Some(REQUEST_TYPE_ISSUE) {
        v.push(format!("RST: RequestType {:?}", text("RequestType")));
    }
    let csr = match rst.child(NS_WSSE, "BinarySecurityToken") {
        Some(bst) => {
            if bst.attr("ValueType") != Some(VALUE_TYPE_PKCS10) {
                v.push(format!(
                    "RST: BinarySecurityToken ValueType {:?}",
                    bst.attr("ValueType")
                ));
            }
            if bst.attr("EncodingType") != Some(ENCODING_BASE64) {
                v.push("RST: BinarySecurityToken EncodingType is not #base64binary".to_owned());
            }
            match STANDARD.decode(bst.trimmed_text()) {
                Ok(der) if !der.is_empty() => Some(der),
                _ => {
                    v.push("RST: BinarySecurityToken is empty or not base64".to_owned());
                    None
                }
            }
        }
        None => {
            v.push("RST: no BinarySecurityToken".to_owned());
            None
        }
    };
    let items = context_items(rst, &mut v);
    let item = |name: &str| {
        items
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    };
    check_context_items(&items, &mut v);
    if !v.is_empty() {
        return fault_for(v);
    }
    if !authenticated {
        return (v, Reply::fault("s:Authentication", "bad credentials"));
    }
    let device_id = item("DeviceID").unwrap_or_default().to_owned();
    let expected_hash = ctx
        .config
        .policy_hash_oid
        .as_deref()
        .and_then(SignatureHash::from_oid)
        .filter(|_| ctx.config.offer_policy_service)
        .unwrap_or(SignatureHash::Sha1);
    let min_bits = if ctx.config.offer_policy_service {
        ctx.config.min_key_bits
    } else {
        2048
    };
    let (public, problems) = check_csr(
        csr.as_deref().unwrap_or_default(),
        &device_id,
        expected_hash,
        min_bits,
    );
    v.extend(problems);
    let Some(public) = public.filter(|_| v.is_empty()) else {
        return fault_for(v);
    };
    let device_context = item("EnrollmentType") == Some("Device");
    match provisioning_reply(ctx, &device_id, &public, device_context, &message_id, tweak) {
        Ok(reply) => (v, reply),
        Err(e) => (v, Reply::fault("s:EnrollmentServer", &e.to_string())),
    }
}

fn provisioning_reply(
    ctx: &Ctx<'_>,
    device_id: &str,
    public: &RsaKeyData,
    device_context: bool,
    message_id: &str,
    tweak: Option<ProvisioningTweak>,
) -> Result<Reply, rcgen::Error> {
    let client_cert = if tweak == Some(ProvisioningTweak::ForeignClientKey) {
        let other = rcgen::KeyPair::generate()?;
        ctx.pki.issue_client_cert(device_id, &other)?
    } else {
        ctx.pki.issue_client_cert(device_id, public)?
    };
    let doc = provisioning_doc(ctx, &client_cert, device_context, tweak);
    let token = if tweak == Some(ProvisioningTweak::BadTokenBase64) {
        "%%% not base64 %%%".to_owned()
    } else {
        STANDARD.encode(doc.as_bytes())
    };
    let body = format!(
        concat!(
            r#"<s:Body><RequestSecurityTokenResponseCollection xmlns="{wst}"><RequestSecurityTokenResponse>"#,
            r#"<TokenType>{token_type}</TokenType>"#,
            r#"<DispositionMessage xmlns="http://schemas.microsoft.com/windows/pki/2009/01/enrollment"></DispositionMessage>"#,
            r#"<RequestedSecurityToken><BinarySecurityToken xmlns="{wsse}" ValueType="{vt}" EncodingType="{et}">{token}</BinarySecurityToken></RequestedSecurityToken>"#,
            r#"<RequestID xmlns="http://schemas.microsoft.com/windows/pki/2009/01/enrollment">0</RequestID>"#,
            r#"</RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection></s:Body>"#,
        ),
        wst = NS_TRUST,
        token_type = TOKEN_TYPE_DEVICE_ENROLLMENT,
        wsse = NS_WSSE,
        vt = VALUE_TYPE_PROVISION_DOC,
        et = ENCODING_BASE64,
        token = token,
    );
    let namespaces = format!(r#" xmlns:u="{NS_WSU}""#);
    Ok(response(&namespaces, ACTION_RSTRC, message_id, &body))
}

/// A SOAP 1.2 reply: the envelope, with `namespaces` (further `xmlns` attributes), its header
/// (`action`, and `RelatesTo` the request's `message_id`) and `body`, the `s:Body` element.
fn response(namespaces: &str, action: &str, message_id: &str, body: &str) -> Reply {
    Reply::soap(format!(
        concat!(
            r#"<s:Envelope xmlns:s="{s}" xmlns:a="{a}"{namespaces}><s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">{action}</a:Action>"#,
            r#"<a:RelatesTo>{relates}</a:RelatesTo></s:Header>{body}</s:Envelope>"#,
        ),
        s = NS_SOAP12,
        a = NS_ADDRESSING,
        namespaces = namespaces,
        action = action,
        relates = escape(message_id),
        body = body,
    ))
}

/// The provisioning document: the CA as trusted root, the client certificate, the DM
/// account pointing back at this server, the DMClient poll schedule and WSTEP renewal
/// values of the specification's sample document.
pub(crate) fn provisioning_doc(
    ctx: &Ctx<'_>,
    client_cert: &[u8],
    device_context: bool,
    tweak: Option<ProvisioningTweak>,
) -> String {
    use sha1::{Digest, Sha1};
    let thumb = |der: &[u8]| crate::spec::hex_upper(&Sha1::digest(der));
    let client_b64 = if tweak == Some(ProvisioningTweak::BadCertificateBase64) {
        "***".to_owned()
    } else {
        STANDARD.encode(client_cert)
    };
    let scope = if device_context { "System" } else { "User" };
    let addr = match tweak {
        Some(ProvisioningTweak::NoAddr) => String::new(),
        Some(ProvisioningTweak::InsecureAddr) => {
            r#"<parm name="ADDR" value="http://127.0.0.1/ManagementServer/MDM.svc"/>"#.to_owned()
        }
        _ => format!(
            r#"<parm name="ADDR" value="{}/ManagementServer/MDM.svc"/>"#,
            ctx.base_url
        ),
    };
    let provider = escape(&ctx.config.provider_id);
    let upn = match &ctx.config.auth {
        ServerAuth::OnPremise { user, .. } => escape(user).into_owned(),
        ServerAuth::Federated { .. } => String::new(),
    };
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<wap-provisioningdoc version="1.1">"#,
            r#"<characteristic type="CertificateStore">"#,
            r#"<characteristic type="Root"><characteristic type="System"><characteristic type="{ca_thumb}">"#,
            r#"<parm name="EncodedCertificate" value="{ca}"/></characteristic></characteristic></characteristic>"#,
            r#"<characteristic type="My"><characteristic type="{scope}"><characteristic type="{client_thumb}">"#,
            r#"<parm name="EncodedCertificate" value="{client}"/></characteristic>"#,
            r#"<characteristic type="PrivateKeyContainer"/></characteristic>"#,
            r#"<characteristic type="WSTEP"><characteristic type="Renew">"#,
            r#"<parm name="ROBOSupport" value="true" datatype="boolean"/>"#,
            r#"<parm name="RenewPeriod" value="60" datatype="integer"/>"#,
            r#"<parm name="RetryInterval" value="4" datatype="integer"/>"#,
            r#"</characteristic></characteristic></characteristic></characteristic>"#,
            r#"<characteristic type="APPLICATION"><parm name="APPID" value="w7"/>"#,
            r#"<parm name="PROVIDER-ID" value="{provider}"/><parm name="NAME" value="pfw test server"/>"#,
            r#"{addr}<parm name="ROLE" value="4294967295"/><parm name="BACKCOMPATRETRYDISABLED"/>"#,
            r#"<parm name="DEFAULTENCODING" value="application/vnd.syncml.dm+xml"/>"#,
            r#"<parm name="CONNRETRYFREQ" value="6"/><parm name="INITIALBACKOFFTIME" value="30000"/>"#,
            r#"<parm name="MAXBACKOFFTIME" value="120000"/>"#,
            r#"<characteristic type="APPAUTH"><parm name="AAUTHLEVEL" value="CLIENT"/><parm name="AAUTHTYPE" value="DIGEST"/>"#,
            r#"<parm name="AAUTHSECRET" value="client-secret"/><parm name="AAUTHDATA" value="bm9uY2U="/></characteristic>"#,
            r#"<characteristic type="APPAUTH"><parm name="AAUTHLEVEL" value="APPSRV"/><parm name="AAUTHTYPE" value="DIGEST"/>"#,
            r#"<parm name="AAUTHNAME" value="pfw-device"/><parm name="AAUTHSECRET" value="server-secret"/>"#,
            r#"<parm name="AAUTHDATA" value="bm9uY2U="/></characteristic>"#,
            r#"</characteristic>"#,
            r#"<characteristic type="DMClient"><characteristic type="Provider"><characteristic type="{provider}">"#,
            r#"<parm name="UPN" value="{upn}" datatype="string"/><parm name="EntDeviceName" value="pfw-device" datatype="string"/>"#,
            r#"<characteristic type="Poll">"#,
            r#"<parm name="NumberOfFirstRetries" value="8" datatype="integer"/>"#,
            r#"<parm name="IntervalForFirstSetOfRetries" value="15" datatype="integer"/>"#,
            r#"<parm name="NumberOfSecondRetries" value="5" datatype="integer"/>"#,
            r#"<parm name="IntervalForSecondSetOfRetries" value="3" datatype="integer"/>"#,
            r#"<parm name="NumberOfRemainingScheduledRetries" value="0" datatype="integer"/>"#,
            r#"<parm name="IntervalForRemainingScheduledRetries" value="1560" datatype="integer"/>"#,
            r#"<parm name="PollOnLogin" value="true" datatype="boolean"/>"#,
            r#"</characteristic></characteristic></characteristic></characteristic>"#,
            r#"</wap-provisioningdoc>"#,
        ),
        ca_thumb = thumb(&ctx.pki.ca_der),
        ca = STANDARD.encode(&ctx.pki.ca_der),
        scope = scope,
        client_thumb = thumb(client_cert),
        client = client_b64,
        provider = provider,
        addr = addr,
        upn = upn,
    )
}

/// The checks every enrollment request starts with: HTTP, the SOAP 1.2 envelope, and its
/// WS-Addressing headers against `action` and the address of `service` (`Discovery.svc`, …).
/// Gives the violations so far, the envelope and its MessageID; or, when the envelope cannot
/// be read, the fault to answer.
fn open_envelope(
    req: &HttpRequest,
    ctx: &Ctx<'_>,
    service: &str,
    action: &str,
) -> Result<Opened, (Vec<String>, Reply)> {
    let mut v = Vec::new();
    check_http(req, &mut v);
    let Some(env) = parse(req, &mut v) else {
        return Err(fault_for(v));
    };
    let to = format!("{}/EnrollmentServer/{service}", ctx.base_url);
    let message_id = check_addressing(&env, action, &to, &mut v);
    Ok(Opened(v, env, message_id))
}

/// A request after [`open_envelope`]'s checks: the violations found so far, the envelope,
/// its MessageID.
struct Opened(Vec<String>, Element, String);

fn fault_for(violations: Vec<String>) -> (Vec<String>, Reply) {
    let reply = Reply::fault("s:MessageFormat", &violations.join("; "));
    (violations, reply)
}

fn check_http(req: &HttpRequest, v: &mut Vec<String>) {
    if req.method != "POST" {
        v.push(format!("HTTP: method {} is not POST", req.method));
    }
    if !req
        .header("Content-Type")
        .is_some_and(|t| t.starts_with("application/soap+xml"))
    {
        v.push(format!(
            "HTTP: Content-Type {:?} is not application/soap+xml",
            req.header("Content-Type")
        ));
    }
    expect_header(req, "User-Agent", "ENROLLClient", v);
}

fn expect_header(req: &HttpRequest, name: &str, value: &str, v: &mut Vec<String>) {
    if req.header(name) != Some(value) {
        v.push(format!(
            "HTTP: {name} is {:?}, not {value:?}",
            req.header(name)
        ));
    }
}

fn parse(req: &HttpRequest, v: &mut Vec<String>) -> Option<Element> {
    match xml::parse(&req.body) {
        Ok(env) if env.is(NS_SOAP12, "Envelope") => Some(env),
        Ok(other) => {
            v.push(format!(
                "SOAP: root is {:?}, not a SOAP 1.2 Envelope",
                other.name
            ));
            None
        }
        Err(e) => {
            v.push(format!("SOAP: not acceptable XML: {e}"));
            None
        }
    }
}

/// Checks the WS-Addressing headers (Fleet: MessageID, Action, ReplyTo/Address and To are
/// non-empty) against the capture's values; returns the MessageID.
fn check_addressing(env: &Element, action: &str, to: &str, v: &mut Vec<String>) -> String {
    let Some(header) = env.child(NS_SOAP12, "Header") else {
        v.push("SOAP: no Header".to_owned());
        return String::new();
    };
    check_understood(header, "Action", action, v);
    let message_id = header
        .child(NS_ADDRESSING, "MessageID")
        .map(|m| m.trimmed_text().to_owned())
        .unwrap_or_default();
    if !message_id.starts_with("urn:uuid:") || message_id.len() != "urn:uuid:".len() + 36 {
        v.push(format!(
            "SOAP: MessageID {message_id:?} is not urn:uuid:<uuid>"
        ));
    }
    if header
        .path(&[(NS_ADDRESSING, "ReplyTo"), (NS_ADDRESSING, "Address")])
        .map(Element::trimmed_text)
        != Some(ADDRESS_ANONYMOUS)
    {
        v.push("SOAP: ReplyTo/Address is not the anonymous address".to_owned());
    }
    check_understood(header, "To", to, v);
    message_id
}

/// Checks that the WS-Addressing header `name` holds `expected` and carries
/// `s:mustUnderstand="1"`.
fn check_understood(header: &Element, name: &str, expected: &str, v: &mut Vec<String>) {
    match header.child(NS_ADDRESSING, name) {
        Some(h) if h.trimmed_text() == expected => {
            if h.attr_ns(NS_SOAP12, "mustUnderstand") != Some("1") {
                v.push(format!("SOAP: {name} lacks s:mustUnderstand=\"1\""));
            }
        }
        other => v.push(format!(
            "SOAP: {name} {:?}, not {expected}",
            other.map(Element::trimmed_text)
        )),
    }
}

/// Checks the `wsse:Security` header's shape; returns whether the credentials match.
fn check_security(env: &Element, config: &TestServerConfig, v: &mut Vec<String>) -> bool {
    let Some(security) = env.path(&[(NS_SOAP12, "Header"), (NS_WSSE, "Security")]) else {
        v.push("SOAP: no wsse:Security header".to_owned());
        return false;
    };
    if security.attr_ns(NS_SOAP12, "mustUnderstand") != Some("1") {
        v.push("SOAP: Security lacks s:mustUnderstand=\"1\"".to_owned());
    }
    match &config.auth {
        ServerAuth::OnPremise { user, password } => {
            let Some(token) = security.child(NS_WSSE, "UsernameToken") else {
                v.push("Security: no UsernameToken (OnPremise)".to_owned());
                return false;
            };
            if token.attr_ns(NS_WSU, "Id") != Some(USERNAME_TOKEN_ID) {
                v.push("Security: UsernameToken u:Id is not the MS-MDE2 literal".to_owned());
            }
            let given_password = token.child(NS_WSSE, "Password");
            if given_password.and_then(|p| p.attr_ns(NS_WSSE, "Type")) != Some(PASSWORD_TEXT) {
                v.push("Security: Password wsse:Type is not PasswordText".to_owned());
            }
            token.child(NS_WSSE, "Username").map(|u| u.text.as_str()) == Some(user.as_str())
                && given_password.map(|p| p.text.as_str()) == Some(password.as_str())
        }
        ServerAuth::Federated { token } => {
            let Some(bst) = security.child(NS_WSSE, "BinarySecurityToken") else {
                v.push("Security: no BinarySecurityToken (Federated)".to_owned());
                return false;
            };
            if !matches!(
                bst.attr("ValueType"),
                Some(VALUE_TYPE_USER_TOKEN | "urn:ietf:params:oauth:token-type:jwt")
            ) {
                v.push(format!(
                    "Security: BinarySecurityToken ValueType {:?}",
                    bst.attr("ValueType")
                ));
            }
            if bst.attr("EncodingType") != Some(ENCODING_BASE64) {
                v.push(
                    "Security: BinarySecurityToken EncodingType is not #base64binary".to_owned(),
                );
            }
            STANDARD
                .decode(bst.trimmed_text())
                .is_ok_and(|t| t == token.as_bytes())
        }
    }
}

fn context_items(rst: &Element, v: &mut Vec<String>) -> Vec<(String, String)> {
    let Some(context) = rst.child(NS_AUTHORIZATION, "AdditionalContext") else {
        v.push("RST: no ac:AdditionalContext".to_owned());
        return Vec::new();
    };
    let mut items = Vec::new();
    for item in context.children_named(NS_AUTHORIZATION, "ContextItem") {
        let Some(name) = item.attr("Name") else {
            v.push("RST: ContextItem without Name".to_owned());
            continue;
        };
        let Some(value) = item.child(NS_AUTHORIZATION, "Value") else {
            v.push(format!("RST: ContextItem {name} without ac:Value"));
            continue;
        };
        items.push((name.to_owned(), value.trimmed_text().to_owned()));
    }
    if items.is_empty() {
        v.push("RST: no ContextItem".to_owned());
    }
    items
}

fn check_context_items(items: &[(String, String)], v: &mut Vec<String>) {
    let get = |name: &str| {
        items
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    };
    // The items of the real Windows capture, each required here.
    for name in WINDOWS_CONTEXT_ITEMS {
        if get(name).is_none() {
            v.push(format!("RST: no ContextItem {name}"));
        }
    }
    // Fleet: these must be non-empty; EnrollmentType Device or Full.
    for name in ["DeviceID", "HWDevID", "OSEdition", "OSVersion"] {
        if get(name).is_some_and(str::is_empty) {
            v.push(format!("RST: ContextItem {name} is empty"));
        }
    }
    if get("EnrollmentType").is_some_and(|t| !matches!(t, "Device" | "Full")) {
        v.push("RST: EnrollmentType is not Device or Full".to_owned());
    }
    if get("DeviceID").is_some_and(|d| d.len() != 32 || !d.bytes().all(|b| b.is_ascii_hexdigit())) {
        v.push("RST: DeviceID is not 32 hexadecimal digits".to_owned());
    }
    if get("HWDevID").is_some_and(|d| d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit())) {
        v.push("RST: HWDevID is not 64 hexadecimal characters".to_owned());
    }
    for name in ["OSVersion", "ApplicationVersion"] {
        if get(name).is_some_and(|x| !is_four_part_version(x)) {
            v.push(format!("RST: {name} is not int.int.int.int"));
        }
    }
    if get("OSEdition").is_some_and(|e| e.parse::<u32>().is_err()) {
        v.push("RST: OSEdition is not an unsignedInt".to_owned());
    }
    for name in ["UXInitiated", "TargetedUserLoggedIn", "NotInOobe"] {
        if get(name)
            .is_some_and(|b| !b.eq_ignore_ascii_case("true") && !b.eq_ignore_ascii_case("false"))
        {
            v.push(format!("RST: {name} is not a boolean"));
        }
    }
}

fn is_four_part_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

const SOAP_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";
/// Action of the `RequestSecurityTokenResponseCollection` that answers an enrollment.
const ACTION_RSTRC: &str =
    "http://schemas.microsoft.com/windows/pki/2009/01/enrollment/RSTRC/wstep";

/// The AdditionalContext items of the real Windows capture (reference §3.1).
pub(crate) const WINDOWS_CONTEXT_ITEMS: [&str; 13] = [
    "UXInitiated",
    "HWDevID",
    "Locale",
    "TargetedUserLoggedIn",
    "OSEdition",
    "DeviceName",
    "MAC",
    "DeviceID",
    "EnrollmentType",
    "DeviceType",
    "OSVersion",
    "ApplicationVersion",
    "NotInOobe",
];
