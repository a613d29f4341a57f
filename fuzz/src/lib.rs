//! The fuzz targets' shared code: [`readers`] drives each of cspot's readers on arbitrary
//! bytes. The test suite includes the same file (`tests/it/robust/hostile.rs`).

pub mod readers;
