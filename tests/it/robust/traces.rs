//! Reproducers: placeholder until the first case lands.
