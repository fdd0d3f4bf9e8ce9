//! Rule sets: rule files ([`ruleset`]) whose conditions are written in the expression language ([`expr`]).
//! Decisions from fired rules come next.

pub mod expr;
pub mod ruleset;
