//! How a long use case (an import, a rebuild of the index) reports how far it has come; the
//! command line shows it as a bar on a terminal and as plain lines in a log.

/// Told of the progress of one long use case.
pub trait Progress {
    /// `done` of `total` items are done.
    fn update(&mut self, done: u64, total: u64);
    /// The use case has ended (successfully or not).
    fn finish(&mut self) {}
}

/// Nobody watches.
impl Progress for std::io::Sink {
    fn update(&mut self, _done: u64, _total: u64) {}
}
