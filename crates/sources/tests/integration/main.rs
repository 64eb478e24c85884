//! pfw-sources end to end: the samples, each format against its OMA-URI equivalent, hostile
//! files, and the rules that combine sources.

mod combination;
mod equivalence;
mod hostile;
mod samples;
mod support;
