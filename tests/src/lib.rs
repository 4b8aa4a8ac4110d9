//! Helpers shared by the end-to-end tests: start the real server on a free loopback port.
