//! The list of recommendations, and a page per recommendation with its
//! assessments, indicators and measures.

use askama::Template;

use super::ctx::{paras, NoteBook};
use super::{Badge, Chrome, EventRow, Link, Out, Parts};
use crate::site::SiteError;

pub struct AssessmentBlock {
    pub edition: String,
    pub status: Option<Badge>,
    pub quantitative: Vec<String>,
    pub policy: Vec<String>,
}

pub struct MeasureBlock {
    pub link: Link,
    pub events: Vec<EventRow>,
}

#[derive(Template)]
#[template(path = "recommendation.html", config = "src/site/askama.toml")]
pub struct RecommendationPage {
    pub c: Chrome,
    pub text: String,
    pub facts: Vec<(String, String)>,
    pub parent: Option<Link>,
    pub children: Vec<Link>,
    pub indicators: Vec<Link>,
    pub assessments: Vec<AssessmentBlock>,
    pub measures: Vec<MeasureBlock>,
}

pub struct RecRow {
    pub link: Link,
    pub text: String,
    /// One per edition of the table's columns; none where the edition does
    /// not assess the recommendation.
    pub statuses: Vec<Option<Badge>>,
}

#[derive(Template)]
#[template(path = "recommendations.html", config = "src/site/askama.toml")]
pub struct RecommendationsPage {
    pub c: Chrome,
    pub editions: Vec<String>,
    pub rows: Vec<RecRow>,
}

/// The list of recommendations: every recommendation × every edition that
/// assesses any, with its status.
pub(super) fn write_list(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    let w = ctx.w;
    let path = "recommendations.html";
    let editions: Vec<_> = ctx
        .editions
        .iter()
        .filter(|e| cat.assessments.iter().any(|a| a.document == e.id))
        .collect();
    let rows = cat
        .recommendations
        .iter()
        .map(|r| RecRow {
            link: ctx.link(
                path,
                &format!("recommendation/{}.html", r.id),
                ctx.rec_title(r.id.as_str()),
            ),
            text: ctx.prose(&r.text_nl, &r.text_en),
            statuses: editions
                .iter()
                .map(|e| {
                    cat.assessments
                        .iter()
                        .find(|a| a.recommendation == r.id && a.document == e.id)
                        .map(|a| match a.status {
                            Some(st) => ctx.badge(st),
                            None => Badge {
                                class: "assessed",
                                text: w.assessed,
                            },
                        })
                })
                .collect(),
        })
        .collect();
    let page = RecommendationsPage {
        c: ctx.chrome(path, w.recommendations.to_owned(), NoteBook::default()),
        editions: editions
            .iter()
            .map(|e| ctx.doc_label(e.id.as_str()))
            .collect(),
        rows,
    };
    out.put(path, page.render()?);
    Ok(())
}

/// One page per recommendation.
pub(super) fn write(parts: &Parts<'_>, out: &mut Out) -> Result<(), SiteError> {
    let ctx = &parts.ctx;
    let cat = ctx.cat;
    for r in &cat.recommendations {
        let path = format!("recommendation/{}.html", r.id);
        let body = cat
            .organisation(r.body.as_str())
            .map(|o| ctx.t(&o.label_nl, &o.label_en).to_owned())
            .unwrap_or_else(|| r.body.to_string());
        let assessments = ctx
            .assessments(r.id.as_str())
            .into_iter()
            .map(|a| AssessmentBlock {
                edition: ctx.doc_label(a.document.as_str()),
                status: a.status.map(|st| ctx.badge(st)),
                quantitative: paras(&ctx.prose(&a.quantitative_nl, &a.quantitative_en)),
                policy: paras(&ctx.prose(&a.policy_nl, &a.policy_en)),
            })
            .collect();
        let measures = cat
            .measures
            .iter()
            .filter(|m| m.recommendations.contains(&r.id))
            .map(|m| MeasureBlock {
                link: ctx.link(
                    &path,
                    &format!("measure/{}.html", m.id),
                    ctx.t(&m.label_nl, &m.label_en),
                ),
                events: ctx.events(m),
            })
            .collect();
        let page = RecommendationPage {
            c: ctx.chrome(&path, ctx.rec_title(r.id.as_str()), NoteBook::default()),
            text: ctx.prose(&r.text_nl, &r.text_en),
            facts: vec![(body, r.year.to_string())],
            parent: r.parent.as_ref().map(|p| {
                ctx.link(
                    &path,
                    &format!("recommendation/{p}.html"),
                    ctx.rec_title(p.as_str()),
                )
            }),
            children: cat
                .recommendations
                .iter()
                .filter(|c| c.parent.as_ref() == Some(&r.id))
                .map(|c| {
                    ctx.link(
                        &path,
                        &format!("recommendation/{}.html", c.id),
                        ctx.rec_title(c.id.as_str()),
                    )
                })
                .collect(),
            indicators: cat
                .indicators
                .iter()
                .filter(|i| i.recommendations.contains(&r.id))
                .map(|i| ctx.link(&path, &format!("indicator/{}.html", i.id), ctx.ind_label(i)))
                .collect(),
            assessments,
            measures,
        };
        out.put(&path, page.render()?);
    }
    Ok(())
}
