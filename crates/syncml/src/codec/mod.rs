//! The XML codec under the model: a checked token stream over quick-xml for decoding
//! ([`lexer`], [`reader`]) and escaping helpers for encoding ([`writer`]).

pub(crate) mod lexer;
pub(crate) mod reader;
pub(crate) mod writer;
