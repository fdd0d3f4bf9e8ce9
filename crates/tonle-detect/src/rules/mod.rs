//! Rule sets: expressions now; rule files, actions and decisions to come.

pub mod expr;
