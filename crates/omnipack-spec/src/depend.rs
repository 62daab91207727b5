//! Package relations with version constraints, written either the Debian way
//! (`libc6 (>= 2.31) | libc6-udeb`, Debian policy §7.1) or the RPM way
//! (`python3 >= 3.6`), and rendered for each format.

use std::fmt;
use std::str::FromStr;

use crate::{DependencyProblem, SpecError};

/// A version comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Strictly earlier: deb `<<`, rpm `<`.
    Lt,
    /// Earlier or equal: `<=`.
    Le,
    /// Exactly: `=`.
    Eq,
    /// Later or equal: `>=`.
    Ge,
    /// Strictly later: deb `>>`, rpm `>`.
    Gt,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "<<" | "<" => Op::Lt,
            "<=" => Op::Le,
            "=" | "==" => Op::Eq,
            ">=" => Op::Ge,
            ">>" | ">" => Op::Gt,
            _ => return None,
        })
    }

    /// Debian spelling (policy §7.1).
    pub fn deb(self) -> &'static str {
        match self {
            Op::Lt => "<<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">>",
        }
    }

    /// RPM spelling.
    pub fn rpm(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// A version constraint on a relation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Constraint {
    /// The comparison.
    pub op: Op,
    /// The version compared against (may carry an epoch and a release).
    pub version: String,
}

/// One package name with an optional constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Relation {
    /// The package (or capability, for RPM: `/bin/sh`, `perl(Foo)`).
    pub name: String,
    /// The version constraint, if any.
    pub constraint: Option<Constraint>,
}

/// A dependency: one relation, or alternatives of which any one satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dependency {
    /// At least one relation; more than one means "any of these".
    pub alternatives: Vec<Relation>,
}

impl Dependency {
    /// The Debian form: `a (>= 1) | b`.
    pub fn to_deb(&self) -> String {
        let parts: Vec<String> = self
            .alternatives
            .iter()
            .map(|r| match &r.constraint {
                Some(c) => format!("{} ({} {})", r.name, c.op.deb(), c.version),
                None => r.name.clone(),
            })
            .collect();
        parts.join(" | ")
    }

    /// The RPM form of one relation, or a rich dependency `(a >= 1 or b)` for alternatives
    /// (rpm ≥ 4.13).
    pub fn to_rpm(&self) -> String {
        let parts: Vec<String> = self
            .alternatives
            .iter()
            .map(|r| match &r.constraint {
                Some(c) => format!("{} {} {}", r.name, c.op.rpm(), c.version),
                None => r.name.clone(),
            })
            .collect();
        if parts.len() == 1 {
            parts.concat()
        } else {
            format!("({})", parts.join(" or "))
        }
    }
}

fn parse_relation(whole: &str, s: &str) -> Result<Relation, SpecError> {
    let err = |problem: DependencyProblem| SpecError::Dependency {
        value: whole.to_owned(),
        problem,
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(err(DependencyProblem::EmptyName));
    }
    // Debian form: `name (op version)`; a space before the parenthesis tells it
    // apart from RPM capabilities such as `perl(Foo::Bar)`.
    let (name, rest) = if let Some(idx) = s.find(" (") {
        let inner = s[idx + 2..]
            .strip_suffix(')')
            .ok_or_else(|| err(DependencyProblem::UnclosedParenthesis))?;
        (s[..idx].trim(), Some(inner.trim().to_owned()))
    } else {
        match s.split_once(char::is_whitespace) {
            Some((n, r)) => (n, Some(r.trim().to_owned())),
            None => (s, None),
        }
    };
    if name.is_empty() || name.contains([',', '|']) || name.chars().any(char::is_whitespace) {
        return Err(err(DependencyProblem::NameCharacters));
    }
    let constraint = match rest {
        None => None,
        Some(rest) => {
            let op_len = rest
                .find(|c: char| !matches!(c, '<' | '>' | '='))
                .unwrap_or(rest.len());
            let (op, version) = rest.split_at(op_len);
            let op = Op::parse(op.trim()).ok_or_else(|| err(DependencyProblem::Operator))?;
            let version = version.trim();
            if version.is_empty() || version.chars().any(char::is_whitespace) {
                return Err(err(DependencyProblem::Version));
            }
            Some(Constraint {
                op,
                version: version.to_owned(),
            })
        }
    };
    Ok(Relation {
        name: name.to_owned(),
        constraint,
    })
}

impl FromStr for Dependency {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let alternatives = s
            .split('|')
            .map(|part| parse_relation(s, part))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Dependency { alternatives })
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_deb())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_and_rpm_forms_parse_to_the_same_relation() {
        let a: Dependency = "python3 (>= 3.6)".parse().unwrap();
        let b: Dependency = "python3 >= 3.6".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_deb(), "python3 (>= 3.6)");
        assert_eq!(a.to_rpm(), "python3 >= 3.6");
    }

    #[test]
    fn strict_operators_are_spelled_per_format() {
        let d: Dependency = "foo (<< 2:1.0-1)".parse().unwrap();
        assert_eq!(d.to_rpm(), "foo < 2:1.0-1");
        assert_eq!(d.to_deb(), "foo (<< 2:1.0-1)");
    }

    #[test]
    fn alternatives_become_rich_dependencies() {
        let d: Dependency = "openssh-client | openssh-clients (>= 7)".parse().unwrap();
        assert_eq!(d.to_deb(), "openssh-client | openssh-clients (>= 7)");
        assert_eq!(d.to_rpm(), "(openssh-client or openssh-clients >= 7)");
    }

    #[test]
    fn rpm_capabilities_keep_their_parentheses() {
        let d: Dependency = "perl(Foo::Bar) >= 1.2".parse().unwrap();
        assert_eq!(d.alternatives[0].name, "perl(Foo::Bar)");
    }

    #[test]
    fn malformed_dependencies_are_errors() {
        for bad in ["", "foo (>= 1", "foo (~ 1)", "foo >=", "a b c d", "foo | "] {
            assert!(bad.parse::<Dependency>().is_err(), "{bad:?} should fail");
        }
    }
}
