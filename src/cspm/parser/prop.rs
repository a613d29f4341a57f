//! The text of an assertion property, `:[deadlock free [F]]`, `:[tau priority over]:` and so
//! on, read with nom's string combinators. The lexer hands the whole bracket as one token.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{alpha1, char, space0, space1};
use nom::combinator::{all_consuming, opt, value};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use crate::cspm::ast::ModelTag;

/// What a property bracket says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prop {
    DeadlockFree(Option<ModelTag>),
    DivergenceFree {
        model: Option<ModelTag>,
        livelock: bool,
    },
    Deterministic(Option<ModelTag>),
    HasTrace(Option<ModelTag>),
    TauPriority {
        over: bool,
    },
    /// `:[partial order reduce [mode]]`: the mode's text and its byte offset in the token.
    PartialOrderReduce(Option<(String, usize)>),
}

/// Reads a property token's text. `Err` carries a message.
pub fn read(text: &str) -> Result<Prop, String> {
    let body = text.strip_suffix(':').unwrap_or(text);
    match all_consuming(property).parse(body) {
        Ok((_, p)) => p.resolve(text),
        Err(_) => Err(format!(
            "unknown assertion property `{text}`: expected `deadlock free`, `divergence free`, \
             `livelock free`, `deterministic`, `has trace`, `tau priority` or \
             `partial order reduce`"
        )),
    }
}

/// A phrase as written, with its optional bracketed model or mode (and where it was).
struct Raw<'s> {
    what: What,
    option: Option<(&'s str, usize)>,
}

#[derive(Clone, Copy)]
enum What {
    Deadlock,
    Divergence,
    Livelock,
    Deterministic,
    HasTrace,
    Tau,
    TauOver,
    Por,
}

impl Raw<'_> {
    fn resolve(self, text: &str) -> Result<Prop, String> {
        let model = || -> Result<Option<ModelTag>, String> {
            match self.option {
                None => Ok(None),
                Some((m, _)) => model_tag(m)
                    .map(Some)
                    .ok_or_else(|| format!("unknown semantic model `[{m}]` in `{text}`")),
            }
        };
        let no_option = |p: Prop| match self.option {
            None => Ok(p),
            Some((m, _)) => Err(format!("`{text}` takes no `[{m}]`")),
        };
        match self.what {
            What::Deadlock => Ok(Prop::DeadlockFree(model()?)),
            What::Divergence => Ok(Prop::DivergenceFree {
                model: model()?,
                livelock: false,
            }),
            What::Livelock => Ok(Prop::DivergenceFree {
                model: model()?,
                livelock: true,
            }),
            What::Deterministic => Ok(Prop::Deterministic(model()?)),
            What::HasTrace => Ok(Prop::HasTrace(model()?)),
            What::Tau => no_option(Prop::TauPriority { over: false }),
            What::TauOver => no_option(Prop::TauPriority { over: true }),
            What::Por => Ok(Prop::PartialOrderReduce(
                self.option.map(|(m, at)| (m.to_string(), at)),
            )),
        }
    }
}

pub fn model_tag(m: &str) -> Option<ModelTag> {
    Some(match m {
        "T" => ModelTag::Traces,
        "F" => ModelTag::Failures,
        "FD" => ModelTag::FailuresDivergences,
        "R" => ModelTag::Refusals,
        "RD" => ModelTag::RefusalsDivergences,
        "V" => ModelTag::Revivals,
        "VD" => ModelTag::RevivalsDivergences,
        _ => return None,
    })
}

pub fn model_text(m: ModelTag) -> &'static str {
    match m {
        ModelTag::Traces => "T",
        ModelTag::Failures => "F",
        ModelTag::FailuresDivergences => "FD",
        ModelTag::Refusals => "R",
        ModelTag::RefusalsDivergences => "RD",
        ModelTag::Revivals => "V",
        ModelTag::RevivalsDivergences => "VD",
    }
}

/// `word-word` or `word word`.
fn two<'s>(
    a: &'static str,
    b: &'static str,
) -> impl Parser<&'s str, Output = (), Error = nom::error::Error<&'s str>> {
    value((), (tag(a), alt((space1, tag("-"))), tag(b)))
}

fn phrase(s: &str) -> IResult<&str, What> {
    alt((
        value(What::Deadlock, two("deadlock", "free")),
        value(What::Divergence, two("divergence", "free")),
        value(What::Livelock, two("livelock", "free")),
        value(What::Deterministic, tag("deterministic")),
        value(What::HasTrace, two("has", "trace")),
        value(
            What::TauOver,
            (tag("tau"), space1, tag("priority"), space1, tag("over")),
        ),
        value(What::Tau, two("tau", "priority")),
        value(
            What::Por,
            (tag("partial"), space1, tag("order"), space1, tag("reduce")),
        ),
    ))
    .parse(s)
}

fn property(s: &str) -> IResult<&str, Raw<'_>> {
    let whole = s;
    let (s, what) = preceded((tag(":["), space0), phrase).parse(s)?;
    let (s, option) = opt(preceded(
        space0,
        delimited((char('['), space0), alpha1, (space0, char(']'))),
    ))
    .parse(s)?;
    let (s, _) = (space0, char(']')).parse(s)?;
    let option = option.map(|m: &str| (m, m.as_ptr() as usize - whole.as_ptr() as usize));
    Ok((s, Raw { what, option }))
}
