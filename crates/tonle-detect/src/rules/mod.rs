//! Rule sets: rule files ([`ruleset`]) whose conditions are written in the expression language ([`expr`]),
//! and the combination of the rules that fire into a decision with its reasons ([`decide`]).

pub mod decide;
pub mod expr;
pub mod ruleset;
