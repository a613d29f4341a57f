//! Operational semantics of CSP and the compilation of process values into machines.
//!
//! `lts` owns Roscoe's firing rules over [`crate::cspm::proc`] nodes, the compilation of
//! sequential leaf processes into explicit LTSs with interned states, the synchronisation rules
//! of the parallel/hiding/renaming structure above them (the supercombinator), and explicit LTS
//! export (dot, aut, json). It must not do IO or print, and knows nothing of what is checked.
