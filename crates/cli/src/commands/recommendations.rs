use std::process::ExitCode;

use zicht_model::{Catalogue, EventKind, Lang, Recommendation};

use crate::output::table;

#[derive(clap::Args, Debug)]
pub struct RecommendationsArgs {
    /// One recommendation (e.g. 39a): its text, indicators, assessments and the
    /// policy measures that answer it, with their timelines.
    pub id: Option<String>,
}

fn event_label(kind: EventKind) -> &'static str {
    kind.label(Lang::Nl)
}

fn answers(cat: &Catalogue, rec: &Recommendation) -> Vec<String> {
    // A measure filed under "42" answers each of its parts, and one filed
    // under "42-iii" answers "42" too.
    let family = |id: &str| {
        id == rec.id.as_str()
            || rec.parent.as_ref().is_some_and(|p| p.as_str() == id)
            || cat
                .recommendation(id)
                .and_then(|r| r.parent.as_ref())
                .is_some_and(|p| *p == rec.id)
    };
    cat.measures
        .iter()
        .filter(|m| m.recommendations.iter().any(|r| family(r.as_str())))
        .map(|m| m.id.to_string())
        .collect()
}

pub async fn run(db: &str, args: &RecommendationsArgs) -> anyhow::Result<ExitCode> {
    let store = super::open(db).await?;
    let cat = store.catalogue().await?;
    if cat.recommendations.is_empty() {
        eprintln!("the store has no recommendations yet: run `zicht init` first");
        return Ok(ExitCode::from(1));
    }
    let Some(id) = &args.id else {
        let rows: Vec<Vec<String>> = cat
            .recommendations
            .iter()
            .map(|r| {
                let indicators = cat
                    .indicators
                    .iter()
                    .filter(|i| i.recommendations.contains(&r.id))
                    .count();
                let mut text: String = r.text_nl.chars().take(70).collect();
                if r.text_nl.chars().count() > 70 {
                    text.push('…');
                }
                vec![
                    r.id.to_string(),
                    indicators.to_string(),
                    answers(&cat, r).len().to_string(),
                    text,
                ]
            })
            .collect();
        print!(
            "{}",
            table(&["id", "indicators", "measures", "text"], &rows)
        );
        return Ok(ExitCode::SUCCESS);
    };
    let rec = cat.recommendation(id).ok_or_else(|| {
        anyhow::anyhow!("unknown recommendation '{id}': run `zicht recommendations` for the list")
    })?;
    let body = cat
        .organisation(rec.body.as_str())
        .map_or(rec.body.as_str(), |o| o.label_nl.as_str());
    println!("{} — {body}, {}\n", rec.id, rec.year);
    println!("{}\n", rec.text_nl);
    if !rec.text_en.is_empty() {
        println!("{}\n", rec.text_en);
    }
    let indicators: Vec<&str> = cat
        .indicators
        .iter()
        .filter(|i| i.recommendations.contains(&rec.id))
        .map(|i| i.id.as_str())
        .collect();
    if !indicators.is_empty() {
        println!("Indicatoren: {}\n", indicators.join(", "));
    }
    for a in cat
        .assessments
        .iter()
        .filter(|a| a.recommendation == rec.id)
    {
        if !a.quantitative_nl.is_empty() {
            println!(
                "[{}] Cijfermatige ontwikkelingen: {}\n",
                a.document, a.quantitative_nl
            );
        }
        if !a.policy_nl.is_empty() {
            println!("[{}] Beleidsbeschrijvingen: {}\n", a.document, a.policy_nl);
        }
    }
    for mid in answers(&cat, rec) {
        let Some(m) = cat.measures.iter().find(|m| m.id.as_str() == mid) else {
            continue;
        };
        println!("Maatregel: {} ({})", m.label_nl, m.id);
        let mut events: Vec<_> = m.events.iter().collect();
        events.sort_by(|a, b| a.date.cmp(&b.date));
        for e in events {
            println!(
                "  {:<10}  {:<32}  {}",
                e.date.to_string(),
                event_label(e.kind),
                e.text_nl
            );
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
