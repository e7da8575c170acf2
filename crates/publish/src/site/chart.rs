//! SVG charts made in Rust: bars, stacked bars, grouped bars and lines.
//!
//! Every figure is drawn as honestly as its status allows: a `below` is an
//! outlined, hatched box up to its bound, a range a hatched box between its
//! bounds, an estimate a bar or point with its interval as a whisker, and a
//! refused, unavailable or withheld figure a labelled marker on the axis,
//! never a zero bar. Charts scale with their container (`viewBox`) and carry
//! a `<title>` and `<desc>`; the page puts the data table beside them.

use std::fmt::Write;

use zicht_model::{format_number_nl, Figure, FigureDisplay, Lang, Unit};

use super::Esc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// One bar per category for each series side by side (one series: plain bars).
    Bars,
    /// The series stacked in one bar per category (parts of an exclusive breakdown).
    Stacked,
    /// One line per series.
    Line,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    /// One figure per category; `None` where the series has no cell.
    pub values: Vec<Option<Figure>>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique on the page: ids inside the SVG derive from it.
    pub id: String,
    pub title: String,
    pub desc: String,
    /// The id of the table holding the data the chart draws.
    pub table_id: String,
    pub kind: ChartKind,
    pub unit: Unit,
    pub lang: Lang,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// What the vertical axis counts, with its unit ("aantal personen",
    /// "procent"), written above it. Empty on a spark.
    pub axis: String,
    /// A small trend for a card: no grid, no legend, the first and last
    /// category only.
    pub spark: bool,
}

/// Fill colours with at least 3:1 contrast against white, told apart also by
/// their order in the legend and the table beside the chart.
const PALETTE: [&str; 8] = [
    "#1f4e79", "#b45309", "#2e7d32", "#7b1fa2", "#00695c", "#ad1457", "#4e342e", "#37474f",
];
const INK: &str = "#1a1a1a";
const MUTED: &str = "#595959";

const W: f64 = 640.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
/// Room above the plot for the axis title.
const TOP: f64 = 34.0;
const PLOT_H: f64 = 220.0;
/// The widest a category may be: one or two years are not drawn as
/// full-width slabs.
const MAX_SLOT: f64 = 96.0;
const SPARK_W: f64 = 280.0;
const SPARK_PLOT_H: f64 = 56.0;

fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The highest number a figure reaches on the chart.
fn reach(f: &Figure) -> f64 {
    match *f {
        Figure::Exact { value } | Figure::Rounded { value, .. } => value,
        Figure::Below { upper } | Figure::Range { upper, .. } => upper,
        Figure::Estimate {
            value,
            lower,
            upper,
        } => upper.or(value).or(lower).unwrap_or(0.0),
        _ => 0.0,
    }
}

fn lowest(f: &Figure) -> f64 {
    match *f {
        Figure::Exact { value } | Figure::Rounded { value, .. } => value,
        Figure::Range { lower, .. } => lower,
        Figure::Estimate { value, lower, .. } => lower.or(value).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// A "nice" upper end for the axis and its step.
fn nice_scale(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 0.25);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

/// A number in an SVG attribute: short, locale-free, written where it
/// goes (a chart writes thousands of them).
#[derive(Clone, Copy)]
struct N(f64);

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // In tenths, as an integer: exact, and without float formatting.
        let tenths = (self.0 * 10.0).round() as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let a = tenths.unsigned_abs();
        if a.is_multiple_of(10) {
            write!(f, "{sign}{}", a / 10)
        } else {
            write!(f, "{sign}{}.{}", a / 10, a % 10)
        }
    }
}

#[cfg(test)]
fn fmt_n(v: f64) -> String {
    N(v).to_string()
}

struct Frame {
    min: f64,
    max: f64,
    /// Width of one category slot.
    slot: f64,
    left: f64,
    top: f64,
    plot_h: f64,
    /// The whole drawing's width: a label near an edge must stay inside it.
    width: f64,
}

impl Frame {
    fn y(&self, v: f64) -> f64 {
        self.top + self.plot_h - (v - self.min) / (self.max - self.min) * self.plot_h
    }
    fn slot_x(&self, i: usize) -> f64 {
        self.left + self.slot * i as f64
    }

    /// Where a label of `chars` characters (font size 10) above a bar centred
    /// at `cx` goes, and its anchor. Centred where it fits; otherwise pinned
    /// to the nearer edge, because an SVG clips what runs past its box and a
    /// cut-off "000–7.500" reads as a different number.
    fn label_at(&self, cx: f64, chars: usize) -> (f64, &'static str) {
        // An average glyph of the site's sans at 10 px is about 5.6 px wide.
        let half = chars as f64 * 5.6 / 2.0;
        if cx - half < 2.0 {
            (2.0, "start")
        } else if cx + half > self.width - 2.0 {
            (self.width - 2.0, "end")
        } else {
            (cx, "middle")
        }
    }
}

fn axis_label(v: f64, unit: Unit, lang: Lang) -> String {
    let n = format_number_nl((v * 100.0).round() / 100.0, lang);
    match unit {
        Unit::Percent | Unit::PercentChange => format!("{n}%"),
        _ => n,
    }
}

impl Chart {
    fn label(&self, f: &Figure) -> String {
        FigureDisplay {
            figure: f,
            unit: self.unit,
            lang: self.lang,
        }
        .to_string()
    }

    /// The chart as an inline SVG element.
    pub fn svg(&self) -> String {
        let n = self.categories.len().max(1);
        let stacked = self.kind == ChartKind::Stacked;
        let mut max: f64 = 0.0;
        let mut min: f64 = 0.0;
        for c in 0..self.categories.len() {
            let mut sum = 0.0;
            for s in &self.series {
                if let Some(Some(f)) = s.values.get(c) {
                    if stacked {
                        sum += f.point().unwrap_or(0.0);
                        max = max.max(reach(f));
                    } else {
                        max = max.max(reach(f));
                    }
                    min = min.min(lowest(f));
                }
            }
            max = max.max(sum);
        }
        let (top, step) = nice_scale(max);
        let bottom = if min < 0.0 { -nice_scale(-min).0 } else { 0.0 };
        let (left, right, plot_top, plot_h, full_w) = if self.spark {
            (6.0, 6.0, 14.0, SPARK_PLOT_H, SPARK_W)
        } else {
            (LEFT, RIGHT, TOP, PLOT_H, W)
        };
        let k = if stacked { 1 } else { self.series.len().max(1) };
        let slot = ((full_w - left - right) / n as f64).min(MAX_SLOT * k as f64);
        let width = if self.spark {
            full_w
        } else {
            // Narrow enough for few categories, wide enough for the title.
            (left + slot * n as f64 + right).max(320.0)
        };
        let frame = Frame {
            min: bottom,
            max: top,
            slot,
            // A narrow chart keeps its bars beside the axis.
            left,
            top: plot_top,
            plot_h,
            width,
        };
        let per_row = (((width - left) / 190.0).floor() as usize).max(1);
        let legend_rows = if self.series.len() > 1 && !self.spark {
            self.series.len().div_ceil(per_row)
        } else {
            0
        };
        let height = if self.spark {
            plot_top + plot_h + 18.0
        } else {
            plot_top + plot_h + 44.0 + legend_rows as f64 * 20.0
        };
        let right_x = frame.slot_x(n);
        let id = &self.id;
        let mut o = String::new();
        let _ = write!(
            o,
            "<svg class=\"chart{spark}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\"{described} xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>\
             <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
             <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{MUTED}\" stroke-width=\"2\"/></pattern></defs>",
            spark = if self.spark { " spark" } else { "" },
            w = N(width),
            h = N(height),
            described = if self.table_id.is_empty() {
                String::new()
            } else {
                format!(" aria-describedby=\"{}\"", Esc(&self.table_id))
            },
            id = Esc(id),
            title = Esc(&self.title),
            desc = Esc(&self.desc),
        );
        if !self.spark {
            // The axis title, with its unit, above the axis labels.
            if !self.axis.is_empty() {
                let _ = write!(
                    o,
                    "<text class=\"axis-title\" x=\"4\" y=\"14\" font-size=\"12\" fill=\"{MUTED}\">{}</text>",
                    Esc(&self.axis)
                );
            }
            // Grid and axis labels.
            let mut v = bottom;
            while v <= top + step / 2.0 {
                let y = frame.y(v);
                let _ = write!(
                    o,
                    "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" fill=\"{MUTED}\">{}</text>",
                    N(left),
                    N(right_x),
                    N(left - 6.0),
                    N(y + 4.0),
                    Esc(&axis_label(v, self.unit, self.lang)),
                    y = N(y),
                );
                v += step;
            }
        }
        let _ = write!(
            o,
            "<line x1=\"{l}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\" stroke=\"{INK}\" stroke-width=\"1\"/>",
            l = N(left),
            r = N(right_x),
            y = N(frame.y(0.0))
        );
        // Category labels: thin them out when there are many; a spark
        // names its first and last.
        let every = if self.spark { n.max(1) } else { n.div_ceil(16) };
        for (i, c) in self.categories.iter().enumerate() {
            if i % every != 0 && i != n - 1 {
                continue;
            }
            let x = frame.slot_x(i) + frame.slot / 2.0;
            let anchor = match (self.spark, i) {
                (true, 0) if n > 1 => "start",
                (true, _) if n > 1 => "end",
                _ => "middle",
            };
            let x = match anchor {
                "start" => frame.slot_x(i),
                "end" => frame.slot_x(i) + frame.slot,
                _ => x,
            };
            let _ = write!(
                o,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"11\" fill=\"{INK}\">{}</text>",
                N(x),
                N(plot_top + plot_h + 15.0),
                Esc(c)
            );
        }
        match self.kind {
            ChartKind::Bars => self.bars(&mut o, &frame),
            ChartKind::Stacked => self.stacked(&mut o, &frame),
            ChartKind::Line => self.lines(&mut o, &frame),
        }
        // Legend.
        if self.series.len() > 1 && !self.spark {
            for (i, s) in self.series.iter().enumerate() {
                let x = left + (i % per_row) as f64 * 190.0;
                let y = plot_top + plot_h + 34.0 + (i / per_row) as f64 * 20.0;
                let _ = write!(
                    o,
                    "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
                     <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{INK}\">{}</text>",
                    N(x),
                    N(y - 10.0),
                    color(i),
                    N(x + 16.0),
                    N(y),
                    Esc(&s.label)
                );
            }
        }
        o.push_str("</svg>");
        o
    }

    /// A marker for a category with no cell at all: a gap, never a zero.
    fn missing(&self, o: &mut String, frame: &Frame, cx: f64) {
        let y0 = frame.y(0.0);
        let _ = write!(
            o,
            "<g class=\"gap\"><rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"{MUTED}\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{INK}\">–</text></g>",
            N(cx - 5.0),
            N(y0 - 10.0),
            N(cx),
            N(y0 - 14.0),
        );
    }

    fn category_empty(&self, c: usize) -> bool {
        self.series
            .iter()
            .all(|s| !matches!(s.values.get(c), Some(Some(_))))
    }

    /// A marker for a figure with no number to draw: an outlined, hatched
    /// square on the axis with its label ("x", "n.b.", "afgeschermd").
    fn gap(&self, o: &mut String, frame: &Frame, cx: f64, f: Option<&Figure>) {
        let label = match f {
            Some(f) => self.label(f),
            None => return,
        };
        let y0 = frame.y(0.0);
        let (tx, anchor) = frame.label_at(cx, label.chars().count());
        let _ = write!(
            o,
            "<g class=\"gap\"><rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"url(#{id}-hatch)\" stroke=\"{MUTED}\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"10\" fill=\"{INK}\">{}</text></g>",
            N(cx - 5.0),
            N(y0 - 10.0),
            N(tx),
            N(y0 - 14.0),
            Esc(&label),
            id = Esc(&self.id),
        );
    }

    /// One bar (or box, or whisker) for a figure in the slot `[x, x + w]`.
    fn bar(&self, o: &mut String, frame: &Frame, x: f64, w: f64, f: &Figure, fill: &str) {
        let cx = x + w / 2.0;
        let id = Esc(&self.id);
        let plain = self.label(f);
        let (tx, anchor) = frame.label_at(cx, plain.chars().count());
        let label = Esc(&plain);
        let y0 = frame.y(0.0);
        match *f {
            Figure::Exact { value } | Figure::Rounded { value, .. } => {
                let y = frame.y(value);
                let (top, h) = if value >= 0.0 {
                    (y, y0 - y)
                } else {
                    (y0, y - y0)
                };
                let _ = write!(
                    o,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{label}</title></rect>",
                    N(x),
                    N(top),
                    N(w),
                    N(h.max(0.5)),
                );
            }
            Figure::Below { upper } => {
                let y = frame.y(upper);
                let _ = write!(
                    o,
                    "<g class=\"below\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#{id}-hatch)\" stroke=\"{fill}\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"><title>{label}</title></rect>\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"10\" fill=\"{INK}\">{label}</text></g>",
                    N(x),
                    N(y),
                    N(w),
                    N((y0 - y).max(1.0)),
                    N(tx),
                    N(y - 3.0),
                );
            }
            Figure::Range { lower, upper } => {
                let (yl, yu) = (frame.y(lower), frame.y(upper));
                let _ = write!(
                    o,
                    "<g class=\"range\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#{id}-hatch)\" stroke=\"{fill}\" stroke-width=\"1.5\"><title>{label}</title></rect>\
                     <text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"10\" fill=\"{INK}\">{label}</text></g>",
                    N(x),
                    N(yu),
                    N(w),
                    N((yl - yu).max(1.0)),
                    N(tx),
                    N(yu - 3.0),
                );
            }
            Figure::Estimate {
                value,
                lower,
                upper,
            } => {
                o.push_str("<g class=\"estimate\">");
                if let Some(v) = value {
                    let y = frame.y(v);
                    let _ = write!(
                        o,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" fill-opacity=\"0.55\" stroke=\"{fill}\"><title>{label}</title></rect>",
                        N(x),
                        N(y),
                        N(w),
                        N((y0 - y).max(0.5)),
                    );
                }
                if let (Some(l), Some(u)) = (lower, upper) {
                    let (yl, yu) = (frame.y(l), frame.y(u));
                    let _ = write!(
                        o,
                        "<path d=\"M{cx} {yl}V{yu}M{a} {yl}H{b}M{a} {yu}H{b}\" stroke=\"{INK}\" stroke-width=\"1.5\" fill=\"none\"><title>{label}</title></path>",
                        cx = N(cx),
                        yl = N(yl),
                        yu = N(yu),
                        a = N(cx - w.min(16.0) / 2.0),
                        b = N(cx + w.min(16.0) / 2.0),
                    );
                }
                let ytext = frame.y(upper.or(value).unwrap_or(0.0)) - 3.0;
                let _ = write!(
                    o,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"10\" fill=\"{INK}\">{label}</text></g>",
                    N(tx),
                    N(ytext)
                );
            }
            Figure::Refused | Figure::NotAvailable | Figure::Suppressed => {
                self.gap(o, frame, cx, Some(f));
            }
        }
    }

    fn bars(&self, o: &mut String, frame: &Frame) {
        let k = self.series.len().max(1) as f64;
        let inner = frame.slot * 0.8;
        let w = inner / k;
        for c in 0..self.categories.len() {
            if self.category_empty(c) {
                self.missing(o, frame, frame.slot_x(c) + frame.slot / 2.0);
                continue;
            }
            let x0 = frame.slot_x(c) + frame.slot * 0.1;
            for (i, s) in self.series.iter().enumerate() {
                if let Some(Some(f)) = s.values.get(c) {
                    self.bar(o, frame, x0 + w * i as f64, w, f, color(i));
                }
            }
        }
    }

    fn stacked(&self, o: &mut String, frame: &Frame) {
        let w = frame.slot * 0.7;
        for c in 0..self.categories.len() {
            if self.category_empty(c) {
                self.missing(o, frame, frame.slot_x(c) + frame.slot / 2.0);
                continue;
            }
            let x = frame.slot_x(c) + frame.slot * 0.15;
            let mut base = 0.0;
            let mut unknown: Vec<String> = Vec::new();
            for (i, s) in self.series.iter().enumerate() {
                let Some(Some(f)) = s.values.get(c) else {
                    continue;
                };
                match f.point() {
                    Some(v) if !matches!(f, Figure::Estimate { .. }) => {
                        let (y1, y2) = (frame.y(base + v), frame.y(base));
                        let _ = write!(
                            o,
                            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {}</title></rect>",
                            N(x),
                            N(y1),
                            N(w),
                            N((y2 - y1).max(0.0)),
                            color(i),
                            Esc(&s.label),
                            Esc(&self.label(f))
                        );
                        base += v;
                    }
                    _ => unknown.push(format!("{} {}", s.label, self.label(f))),
                }
            }
            // Parts with no exact number are not stacked: an outlined,
            // hatched cap (not to scale) names them.
            if !unknown.is_empty() {
                let y = frame.y(base);
                let text = unknown.join("; ");
                let _ = write!(
                    o,
                    "<g class=\"gap\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"8\" fill=\"url(#{id}-hatch)\" stroke=\"{MUTED}\" stroke-width=\"1\" stroke-dasharray=\"3 2\"><title>{t}</title></rect></g>",
                    N(x),
                    N(y - 8.0),
                    N(w),
                    id = Esc(&self.id),
                    t = Esc(&text),
                );
            }
        }
    }

    fn lines(&self, o: &mut String, frame: &Frame) {
        for c in 0..self.categories.len() {
            if self.category_empty(c) {
                self.missing(o, frame, frame.slot_x(c) + frame.slot / 2.0);
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let fill = color(i);
            let mut d = String::new();
            let mut pen_down = false;
            for c in 0..self.categories.len() {
                let cx = frame.slot_x(c) + frame.slot / 2.0;
                match s.values.get(c) {
                    Some(Some(f @ (Figure::Exact { .. } | Figure::Rounded { .. }))) => {
                        let y = frame.y(f.point().unwrap_or(0.0));
                        let _ = write!(d, "{}{} {}", if pen_down { "L" } else { "M" }, N(cx), N(y));
                        pen_down = true;
                        let _ = write!(
                            o,
                            "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{fill}\"><title>{}: {}</title></circle>",
                            N(cx),
                            N(y),
                            Esc(&s.label),
                            Esc(&self.label(f))
                        );
                    }
                    Some(Some(f)) => {
                        // Not a plain number: the line breaks here and the
                        // figure is drawn with its bounds or as a gap.
                        pen_down = false;
                        let w = (frame.slot * 0.5).min(24.0);
                        self.bar(o, frame, cx - w / 2.0, w, f, fill);
                    }
                    _ => pen_down = false,
                }
            }
            if !d.is_empty() {
                let _ = write!(
                    o,
                    "<path d=\"{d}\" fill=\"none\" stroke=\"{fill}\" stroke-width=\"2\"/>"
                );
            }
        }
    }
}

/// How much of an estimated whole is in view: the registered count as a
/// solid bar, drawn against the estimate's interval (hatched between its
/// bounds), on one scale from zero to the upper bound.
#[derive(Debug, Clone)]
pub struct InView {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub registered: f64,
    pub lower: f64,
    pub upper: f64,
}

impl InView {
    pub fn svg(&self) -> String {
        let (w, h, pad) = (280.0, 30.0, 2.0);
        let scale = |v: f64| pad + (v / self.upper.max(1.0)).clamp(0.0, 1.0) * (w - 2.0 * pad);
        let id = Esc(&self.id);
        let mut o = String::new();
        let _ = write!(
            o,
            "<svg class=\"inview\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>\
             <defs><pattern id=\"{id}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
             <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"{MUTED}\" stroke-width=\"2\"/></pattern></defs>\
             <rect x=\"{p}\" y=\"4\" width=\"{lw}\" height=\"22\" fill=\"#dfe6ee\" stroke=\"{MUTED}\" stroke-width=\"1\"/>\
             <rect class=\"interval\" x=\"{lx}\" y=\"4\" width=\"{iw}\" height=\"22\" fill=\"url(#{id}-hatch)\" stroke=\"{MUTED}\" stroke-width=\"1\" stroke-dasharray=\"3 2\"/>\
             <rect class=\"registered\" x=\"{p}\" y=\"8\" width=\"{rw}\" height=\"14\" fill=\"{ACCENT}\"/></svg>",
            w = N(w),
            h = N(h),
            p = N(pad),
            title = Esc(&self.title),
            desc = Esc(&self.desc),
            lw = N(scale(self.lower) - pad),
            lx = N(scale(self.lower)),
            iw = N((scale(self.upper) - scale(self.lower)).max(1.0)),
            rw = N((scale(self.registered) - pad).max(1.0)),
            ACCENT = PALETTE[0],
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SVG's numbers: whole numbers bare, else one decimal, rounded
    /// as `{:.1}` of the value rounded to tenths gives them.
    #[test]
    fn svg_numbers_have_at_most_one_decimal() {
        for k in -2_000..2_000 {
            let v = f64::from(k) * 0.037;
            let r = (v * 10.0).round() / 10.0;
            let expected = if r.fract() == 0.0 {
                format!("{}", r as i64)
            } else {
                format!("{r:.1}")
            };
            assert_eq!(fmt_n(v), expected, "{v}");
        }
    }

    fn chart(kind: ChartKind, values: Vec<Option<Figure>>) -> Chart {
        Chart {
            id: "c1".into(),
            title: "T <&>".into(),
            desc: "D".into(),
            table_id: "c1-table".into(),
            kind,
            unit: Unit::Count,
            lang: Lang::Nl,
            categories: (0..values.len()).map(|i| format!("{}", 2017 + i)).collect(),
            series: vec![Series {
                label: "totaal".into(),
                values,
            }],
            axis: "aantal personen".into(),
            spark: false,
        }
    }

    #[test]
    fn a_small_count_is_a_hatched_box_never_a_zero_bar() {
        let svg = chart(
            ChartKind::Bars,
            vec![
                Some(Figure::Exact { value: 108.0 }),
                Some(Figure::Below { upper: 10.0 }),
                Some(Figure::Refused),
                None,
            ],
        )
        .svg();
        assert!(svg.contains("class=\"below\""));
        assert!(svg.contains("&lt;10"));
        assert!(svg.contains("class=\"gap\""));
        assert!(svg.contains(">x</text>"));
        assert!(svg.contains("<title id=\"c1-t\">T &lt;&amp;&gt;</title>"));
        assert!(svg.contains("viewBox="));
    }

    #[test]
    fn an_estimate_has_its_interval() {
        let svg = chart(
            ChartKind::Bars,
            vec![Some(Figure::Estimate {
                value: None,
                lower: Some(5000.0),
                upper: Some(7500.0),
            })],
        )
        .svg();
        assert!(svg.contains("class=\"estimate\""));
        assert!(svg.contains("5.000–7.500"));
    }

    /// Every `<text>` of the drawing, as (x, anchor, content).
    fn texts(svg: &str) -> Vec<(f64, String, String)> {
        svg.split("<text ")
            .skip(1)
            .map(|t| {
                let attr = |name: &str| {
                    t.split(&format!("{name}=\""))
                        .nth(1)
                        .and_then(|v| v.split('"').next())
                        .unwrap_or("")
                        .to_string()
                };
                let content = t
                    .split('>')
                    .nth(1)
                    .and_then(|c| c.split('<').next())
                    .unwrap_or("")
                    .to_string();
                (
                    attr("x").parse().unwrap_or(f64::NAN),
                    attr("text-anchor"),
                    content,
                )
            })
            .collect()
    }

    #[test]
    fn a_label_at_the_edge_of_a_spark_stays_inside_it() {
        // One estimate on a card's spark: its bar sits against the left edge,
        // where a centred "5.000–7.500 (schatting)" would lose its first digits.
        for values in [
            vec![Some(Figure::Estimate {
                value: None,
                lower: Some(5000.0),
                upper: Some(7500.0),
            })],
            vec![
                Some(Figure::Exact { value: 3.0 }),
                Some(Figure::Below { upper: 10.0 }),
                Some(Figure::Range {
                    lower: 2000.0,
                    upper: 2500.0,
                }),
            ],
        ] {
            let mut c = chart(ChartKind::Bars, values);
            c.spark = true;
            c.axis.clear();
            let svg = c.svg();
            for (x, anchor, content) in texts(&svg) {
                let w = content.chars().count() as f64 * 5.6;
                let (from, to) = match anchor.as_str() {
                    "start" | "" => (x, x + w),
                    "end" => (x - w, x),
                    _ => (x - w / 2.0, x + w / 2.0),
                };
                assert!(
                    from >= 0.0 && to <= SPARK_W,
                    "{content:?} runs from {from} to {to} in a {SPARK_W}-wide spark: {svg}"
                );
            }
        }
    }

    #[test]
    fn one_year_is_not_a_full_width_slab_and_the_axis_says_its_unit() {
        let svg = chart(ChartKind::Bars, vec![Some(Figure::Exact { value: 52.0 })]).svg();
        assert!(svg.contains(">aantal personen</text>"), "{svg}");
        let width: f64 = svg
            .split("<rect x=\"")
            .nth(1)
            .and_then(|r| r.split("width=\"").nth(1))
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        assert!(width <= MAX_SLOT, "one bar is {width} wide");
    }

    #[test]
    fn in_view_draws_the_registered_count_inside_the_interval() {
        let svg = InView {
            id: "v".into(),
            title: "t".into(),
            desc: "d".into(),
            registered: 1013.0,
            lower: 5000.0,
            upper: 7500.0,
        }
        .svg();
        assert!(svg.contains("class=\"interval\""));
        assert!(svg.contains("class=\"registered\""));
    }

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_scale(283.0), (300.0, 100.0));
        assert_eq!(nice_scale(7.5), (8.0, 2.0));
    }
}
