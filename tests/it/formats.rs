//! Reports (issue 10): see the module's tests.
