//! The chrome of the site in both languages: navigation, headings, the legend.
//! Everything a monitor says (labels, texts, footnotes) comes from the data.

use zicht_model::{EventKind, Lang};

pub struct Words {
    pub lang: &'static str,
    pub site: &'static str,
    pub skip: &'static str,
    pub nav_label: &'static str,
    pub home: &'static str,
    pub table: &'static str,
    pub recommendations: &'static str,
    pub measures: &'static str,
    pub downloads: &'static str,
    pub switch_label: &'static str,
    pub themes: &'static str,
    pub edition: &'static str,
    pub latest: &'static str,
    pub changes: &'static str,
    pub changes_none: &'static str,
    pub changes_first: &'static str,
    pub previous: &'static str,
    pub now: &'static str,
    pub new_cell: &'static str,
    pub more_changes: &'static str,
    pub key_figures: &'static str,
    pub figures: &'static str,
    pub indicators: &'static str,
    pub quantitative: &'static str,
    pub policy: &'static str,
    pub latest_developments: &'static str,
    pub period: &'static str,
    pub breakdown: &'static str,
    pub figure: &'static str,
    pub source: &'static str,
    pub total: &'static str,
    pub footnotes: &'static str,
    pub data: &'static str,
    pub unit: &'static str,
    pub sources: &'static str,
    pub theme: &'static str,
    pub history: &'static str,
    pub history_intro: &'static str,
    pub timeline: &'static str,
    pub date: &'static str,
    pub event: &'static str,
    pub document: &'static str,
    pub more_info: &'static str,
    pub part_of: &'static str,
    pub parts: &'static str,
    pub assessments: &'static str,
    pub no_assessment: &'static str,
    pub table_intro: &'static str,
    pub change_vs: &'static str,
    pub indicator: &'static str,
    pub downloads_intro: &'static str,
    pub api_intro: &'static str,
    pub cells: &'static str,
    pub legend: &'static str,
    pub legend_items: [(&'static str, &'static str); 7],
    pub chart_bars: &'static str,
    pub chart_stacked: &'static str,
    pub chart_line: &'static str,
    pub chart_note: &'static str,
    pub by: &'static str,
    pub per_year: &'static str,
    pub recommendation: &'static str,
    pub footer: &'static str,
    pub csv: &'static str,
    pub json: &'static str,
    pub xlsx: &'static str,
    pub sdmx_data: &'static str,
    pub sdmx_structure: &'static str,
    /// The page on how the monitor protects small counts, and its sections.
    pub methodology: &'static str,
    pub methodology_sections: &'static [(&'static str, &'static [&'static str])],
}

pub const NL: Words = Words {
    lang: "nl",
    site: "zicht — monitor kinderhandel en seksuele uitbuiting",
    skip: "Naar de inhoud",
    nav_label: "Hoofdmenu",
    home: "Start",
    table: "Jaartabel",
    recommendations: "Aanbevelingen",
    measures: "Beleidsmaatregelen",
    downloads: "Downloads",
    switch_label: "English",
    themes: "Thema's",
    edition: "Editie",
    latest: "meest recente cijfers",
    changes: "Wat is er veranderd sinds de vorige editie",
    changes_none: "Geen cijfers veranderd sinds de vorige editie.",
    changes_first: "Dit is de eerste editie: er is geen vorige om mee te vergelijken.",
    previous: "Vorige editie",
    now: "Nu",
    new_cell: "nieuw",
    more_changes: "Meer veranderingen staan op de pagina's van de indicatoren.",
    key_figures: "Kengetallen",
    figures: "Cijfers",
    indicators: "Indicatoren",
    quantitative: "Cijfermatige ontwikkelingen",
    policy: "Beleidsbeschrijvingen",
    latest_developments: "Laatste ontwikkelingen",
    period: "Periode",
    breakdown: "Uitsplitsing",
    figure: "Cijfer",
    source: "Bron",
    total: "totaal",
    footnotes: "Voetnoten",
    data: "Alle cijfers",
    unit: "Eenheid",
    sources: "Bronnen",
    theme: "Thema",
    history: "Per editie",
    history_intro: "Het gepubliceerde cijfer zoals elke editie het kende op haar peildatum.",
    timeline: "Tijdlijn",
    date: "Datum",
    event: "Gebeurtenis",
    document: "Document",
    more_info: "Meer informatie",
    part_of: "Onderdeel van",
    parts: "Onderdelen",
    assessments: "Wat de edities erover zeggen",
    no_assessment: "Geen beoordeling in deze editie.",
    table_intro: "Indicatoren per jaar (totaal), met het verschil met het voorgaande jaar waar beide jaren een gepubliceerd getal hebben.",
    change_vs: "Verschil met",
    indicator: "Indicator",
    downloads_intro: "Alle openbare cijfers van deze editie, één rij per cel, in het exportformaat van zicht.",
    api_intro: "Dezelfde cijfers zijn op te vragen via de API (alleen als de site door zicht serve wordt aangeboden): api/openapi.json beschrijft hem.",
    cells: "cellen",
    legend: "Tekens",
    legend_items: [
        ("<10", "minder dan 10: kleine aantallen worden niet exact gepubliceerd"),
        ("x", "geweigerd: de leverancier gaf het cijfer niet (de reden staat in de voetnoot)"),
        ("7–28", "bereik: het cijfer ligt tussen deze grenzen"),
        ("±", "afgerond door de leverancier"),
        ("≈ / schatting", "schatting, met het interval"),
        ("n.b.", "niet beschikbaar"),
        ("afgeschermd", "niet gepubliceerd om een ander cijfer te beschermen"),
    ],
    chart_bars: "Staafdiagram",
    chart_stacked: "Gestapeld staafdiagram",
    chart_line: "Lijndiagram",
    chart_note: "Cijfers die niet exact gepubliceerd worden, zijn gearceerd en met hun teken weergegeven, nooit als nul. De tabel bij de grafiek geeft alle cijfers.",
    by: "naar",
    per_year: "per jaar",
    recommendation: "Aanbeveling",
    footer: "Gemaakt met zicht. Alle cijfers zijn gepubliceerde, geaggregeerde cijfers die de openbaarmakingsregels hebben doorlopen.",
    csv: "CSV (komma-gescheiden)",
    json: "JSON",
    xlsx: "Excel (XLSX)",
    sdmx_data: "SDMX-CSV 2.0 (gegevens)",
    sdmx_structure: "SDMX-ML 3.0 (structuur: DSD, codelijsten en begrippen)",
    methodology: "Hoe zicht kleine aantallen beschermt",
    methodology_sections: &[
        ("Kleine aantallen", &[
            "Achter elk cijfer in deze monitor staan kinderen. Een klein aantal kan naar een kind wijzen dat te herkennen is. Daarom publiceert zicht een aantal onder de ondergrens van de regel niet precies, maar als “<k”: op dit thema is de ondergrens 10, dus staat er “<10”.",
        ]),
        ("Wat een lezer daaruit kan afleiden", &[
            "Waar een nul gewoon als 0 wordt gepubliceerd, weet een lezer dat “<10” betekent: 1 tot en met 9. zicht gaat ervan uit dat iemand die een kind wil herkennen dat weet, dat hij alles kent wat gepubliceerd is (totalen, andere uitsplitsingen, eerdere edities en de teksten) en dat hij weet dat aantallen hele getallen zijn. Tegen zo iemand moet de bescherming houden.",
        ]),
        ("Hoeveel ruimte een verborgen aantal houdt", &[
            "Wat het echte aantal ook is: uit alles wat gepubliceerd is, mag niemand het verder kunnen insluiten dan tot een bereik van minstens 0,3 keer de ondergrens, naar boven afgerond. Bij een ondergrens van 10 is dat een bereik van minstens 3: er blijven altijd minstens vier hele getallen mogelijk.",
            "Dat geldt ook dicht bij de grens. Een 9 die als “<10” is gepubliceerd, heeft die ruimte onder zich nodig: uit de andere cijfers mag niet volgen dat het 8 of 9 moet zijn.",
        ]),
        ("Geweigerde cijfers", &[
            "Een cijfer dat een leverancier niet wilde geven (“x”) wordt beschermd zoals een klein aantal: het mag niet uit andere gepubliceerde cijfers terug te rekenen zijn.",
        ]),
        ("Andere cijfers afschermen", &[
            "Soms zou een verborgen aantal toch terug te rekenen zijn, bijvoorbeeld als een totaal min de andere delen, of door te vergelijken met een eerdere editie. Dan publiceert zicht ook een of meer andere cijfers niet; in de tabellen staan die als “afgeschermd”. zicht kiest die cijfers zo dat er zo weinig mogelijk verdwijnt.",
        ]),
        ("Teksten", &[
            "De teksten van de monitor schrijven een aantal niet zelf op, maar verwijzen naar het cijfer in de tabel. Een tekst toont dus precies wat de tabel toont (ook “<10” of “afgeschermd”) en kan nooit meer zeggen dan de tabel. Staat er in een tekst toch een klein getal naast een verborgen cijfer, dan krijgt de redactie een waarschuwing voordat de monitor verschijnt.",
        ]),
    ],
};

pub const EN: Words = Words {
    lang: "en",
    site: "zicht — monitor of child trafficking and sexual exploitation",
    skip: "Skip to content",
    nav_label: "Main menu",
    home: "Home",
    table: "Yearly table",
    recommendations: "Recommendations",
    measures: "Policy measures",
    downloads: "Downloads",
    switch_label: "Nederlands",
    themes: "Themes",
    edition: "Edition",
    latest: "latest figures",
    changes: "What changed since the previous edition",
    changes_none: "No figures changed since the previous edition.",
    changes_first: "This is the first edition: there is no previous one to compare with.",
    previous: "Previous edition",
    now: "Now",
    new_cell: "new",
    more_changes: "More changes are on the indicators' pages.",
    key_figures: "Key figures",
    figures: "Figures",
    indicators: "Indicators",
    quantitative: "Quantitative developments",
    policy: "Policy descriptions",
    latest_developments: "Latest developments",
    period: "Period",
    breakdown: "Breakdown",
    figure: "Figure",
    source: "Source",
    total: "total",
    footnotes: "Footnotes",
    data: "All figures",
    unit: "Unit",
    sources: "Sources",
    theme: "Theme",
    history: "By edition",
    history_intro: "The published figure as each edition knew it at its cut-off date.",
    timeline: "Timeline",
    date: "Date",
    event: "Event",
    document: "Document",
    more_info: "More information",
    part_of: "Part of",
    parts: "Parts",
    assessments: "What the editions say",
    no_assessment: "No assessment in this edition.",
    table_intro: "Indicators by year (total), with the change vs the previous year where both years have a published number.",
    change_vs: "Change vs",
    indicator: "Indicator",
    downloads_intro: "All public figures of this edition, one row per cell, in zicht's export format.",
    api_intro: "The same figures are available from the API (only when the site is served by zicht serve): api/openapi.json describes it.",
    cells: "cells",
    legend: "Symbols",
    legend_items: [
        ("<10", "fewer than 10: small counts are not published exactly"),
        ("x", "refused: the supplier did not give the figure (the reason is in the footnote)"),
        ("7–28", "range: the figure lies between these bounds"),
        ("±", "rounded by the supplier"),
        ("≈ / estimate", "estimate, with its interval"),
        ("n/a", "not available"),
        ("withheld", "not published, to protect another figure"),
    ],
    chart_bars: "Bar chart",
    chart_stacked: "Stacked bar chart",
    chart_line: "Line chart",
    chart_note: "Figures not published exactly are hatched and shown with their symbol, never as zero. The table beside the chart gives every figure.",
    by: "by",
    per_year: "by year",
    recommendation: "Recommendation",
    footer: "Made with zicht. All figures are published aggregate figures that passed disclosure control.",
    csv: "CSV (comma-separated)",
    json: "JSON",
    xlsx: "Excel (XLSX)",
    sdmx_data: "SDMX-CSV 2.0 (data)",
    sdmx_structure: "SDMX-ML 3.0 (structure: DSD, code lists and concepts)",
    methodology: "How zicht protects small counts",
    methodology_sections: &[
        ("Small counts", &[
            "Behind every figure in this monitor there are children. A small count can point to a child who could be recognised. That is why zicht does not publish a count under the rule’s minimum exactly, but as “<k”: on this theme the minimum is 10, so it says “<10”.",
        ]),
        ("What a reader can work out", &[
            "Where a zero is published as 0, a reader knows that “<10” means 1 to 9. zicht assumes that someone who wants to recognise a child knows this, knows everything that is published (totals, other breakdowns, earlier editions and the texts) and knows that counts are whole numbers. The protection has to hold against such a person.",
        ]),
        ("How much room a hidden count keeps", &[
            "Whatever the true count is, nobody may be able to narrow it down, from everything that is published, to less than a range of 0.3 times the minimum, rounded up. With a minimum of 10 that is a range of at least 3: at least four whole numbers always remain possible.",
            "This also holds close to the limit. A 9 published as “<10” needs that room below it: the other figures must not show that it has to be 8 or 9.",
        ]),
        ("Refused figures", &[
            "A figure that a supplier did not want to give (“x”) is protected like a small count: it must not be possible to work it out from other published figures.",
        ]),
        ("Hiding other figures", &[
            "Sometimes a hidden count could still be worked out, for example as a total minus the other parts, or by comparing with an earlier edition. Then zicht does not publish one or more other figures either; the tables show them as “withheld”. zicht chooses those figures so that as little as possible disappears.",
        ]),
        ("Texts", &[
            "The monitor’s texts do not write a count themselves; they refer to the figure in the table. A text therefore shows exactly what the table shows (including “<10” or “withheld”) and can never say more than the table. If a text still has a small number next to a hidden figure, the editors get a warning before the monitor appears.",
        ]),
    ],
};

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Nl => &NL,
        Lang::En => &EN,
    }
}

pub fn event_kind(kind: EventKind, lang: Lang) -> &'static str {
    let nl = lang == Lang::Nl;
    match kind {
        EventKind::Announced => {
            if nl {
                "aangekondigd"
            } else {
                "announced"
            }
        }
        EventKind::BillSubmitted => {
            if nl {
                "wetsvoorstel ingediend"
            } else {
                "bill submitted"
            }
        }
        EventKind::AdoptedHouse => {
            if nl {
                "aangenomen door de Tweede Kamer"
            } else {
                "adopted by the House of Representatives"
            }
        }
        EventKind::AdoptedSenate => {
            if nl {
                "aangenomen door de Eerste Kamer"
            } else {
                "adopted by the Senate"
            }
        }
        EventKind::EnteredIntoForce => {
            if nl {
                "in werking getreden"
            } else {
                "entered into force"
            }
        }
        EventKind::Started => {
            if nl {
                "gestart"
            } else {
                "started"
            }
        }
        EventKind::Published => {
            if nl {
                "gepubliceerd"
            } else {
                "published"
            }
        }
        EventKind::Evaluated => {
            if nl {
                "geëvalueerd"
            } else {
                "evaluated"
            }
        }
        EventKind::Ended => {
            if nl {
                "beëindigd"
            } else {
                "ended"
            }
        }
        EventKind::Other => {
            if nl {
                "overig"
            } else {
                "other"
            }
        }
    }
}
