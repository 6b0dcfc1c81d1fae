//! The benches' plots: horizontal bar charts in SVG, laid out from a
//! conservative estimate of each text's width, so that every label and
//! figure reads whole, and checked for it before they are written.
//!
//! latency.rs and lists.rs include it (`mod plot;`), each using its own
//! chart. Cargo also builds it as a bench target of its own, whose tests
//! render both charts from fixed numbers and check the committed SVGs:
//!
//!   cargo test --bench plot
#![allow(dead_code)] // each bench uses one of the charts

use std::path::Path;
use std::time::Duration;

/// The font size of every text, in px (the `<svg>` element's); titles are
/// bold.
const FONT: f64 = 13.0;
const MARGIN: f64 = 10.0;
const BAR: f64 = 22.0;
const GAP: f64 = 8.0;
/// The length of the longest bar of a section, in px.
const BAR_SPACE: f64 = 420.0;
/// Between a label's end and its bar.
const LABEL_GAP: f64 = 8.0;
/// Between a bar's end and its figure.
const FIGURE_GAP: f64 = 6.0;

/// The latency bench's plot: the median of each way of calling on loopback,
/// in ms (log scale), and the round trips per call behind a relay adding
/// `rtt`.
pub fn latency(loopback_ms: &[(&str, f64)], round_trips: &[(&str, f64)], rtt: Duration) -> String {
    render(&[
        Section {
            title: "Median latency on loopback (ms, log scale)".to_owned(),
            log: true,
            color: "#3b6ea8",
            bars: loopback_ms
                .iter()
                .map(|&(name, ms)| Bar::new(name, ms, format!("{ms:.3} ms")))
                .collect(),
        },
        Section {
            title: format!("Round trips per call at {} ms RTT", rtt.as_millis()),
            log: false,
            color: "#c0613a",
            bars: round_trips
                .iter()
                .map(|&(name, trips)| Bar::new(name, trips, format!("{trips:.2}")))
                .collect(),
        },
    ])
}

/// The lists bench's plot: each client's wall time, with its requests
/// beside. A run is its client's name, items, wall time and requests.
pub fn lists(runs: &[(&str, usize, Duration, usize)]) -> String {
    render(&[Section {
        title: "Export of a list at the standard bucket, 10 ms per page: wall time (requests)"
            .to_owned(),
        log: false,
        color: "#4a7ebb",
        bars: runs
            .iter()
            .map(|&(name, items, wall, requests)| {
                let seconds = wall.as_secs_f64();
                Bar::new(
                    &format!("{name} ({items} items)"),
                    seconds,
                    format!("{seconds:.1} s ({requests} requests)"),
                )
            })
            .collect(),
    }])
}

/// Writes `svg` to `path` once [`check_fit`] passes; panics, leaving the
/// file as it was, if some text would not read whole.
pub fn write(path: &Path, svg: &str) {
    if let Err(problems) = check_fit(svg) {
        panic!(
            "{}: the plot's text does not fit, not written:\n{problems}",
            path.display()
        );
    }
    std::fs::write(path, svg).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// A chart under a bold title: a bar a row, its label to its left, its
/// figure after its end.
struct Section {
    title: String,
    /// Log scale (from half the least value to 1.5 times the greatest)
    /// rather than linear from 0.
    log: bool,
    color: &'static str,
    bars: Vec<Bar>,
}

struct Bar {
    label: String,
    value: f64,
    figure: String,
}

impl Bar {
    fn new(label: &str, value: f64, figure: String) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            figure,
        }
    }
}

impl Section {
    /// Each bar's length in px, the longest `BAR_SPACE`.
    fn lengths(&self) -> Vec<f64> {
        let values = self.bars.iter().map(|b| b.value);
        let most = values.clone().fold(f64::MIN_POSITIVE, f64::max);
        let least = values
            .clone()
            .fold(f64::MAX, f64::min)
            .max(f64::MIN_POSITIVE);
        let (low, high) = ((least / 2.0).log10(), (most * 1.5).log10());
        values
            .map(|value| {
                let share = if self.log {
                    (value.max(f64::MIN_POSITIVE).log10() - low) / (high - low)
                } else {
                    value / most
                };
                (share * BAR_SPACE).max(1.0)
            })
            .collect()
    }
}

/// The sections one under another. The label column is as wide as the
/// longest label, and the canvas as wide as its widest row or title.
fn render(sections: &[Section]) -> String {
    let label_width = sections
        .iter()
        .flat_map(|s| &s.bars)
        .map(|b| text_width(&b.label, FONT, false))
        .fold(0.0, f64::max);
    let left = MARGIN + label_width + LABEL_GAP;
    let mut body = String::new();
    let mut right: f64 = 0.0;
    let mut y = MARGIN;
    for (index, section) in sections.iter().enumerate() {
        if index > 0 {
            y += 28.0;
        }
        y += FONT + 1.0;
        body.push_str(&text(MARGIN, y, false, true, &section.title));
        right = right.max(MARGIN + text_width(&section.title, FONT, true));
        y += 12.0;
        for (bar, length) in section.bars.iter().zip(section.lengths()) {
            let baseline = y + BAR * 0.7;
            body.push_str(&text(left - LABEL_GAP, baseline, true, false, &bar.label));
            body.push_str(&format!(
                "<rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{length:.1}\" height=\"{BAR}\" fill=\"{}\"/>\n",
                section.color
            ));
            let figure = left + length + FIGURE_GAP;
            body.push_str(&text(figure, baseline, false, false, &bar.figure));
            right = right.max(figure + text_width(&bar.figure, FONT, false));
            y += BAR + GAP;
        }
        y -= GAP;
    }
    let (width, height) = ((right + MARGIN).ceil(), (y + MARGIN).ceil());
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"{FONT}\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

/// A `<text>` element on one line, its start (or end) at `x`.
fn text(x: f64, y: f64, end: bool, bold: bool, content: &str) -> String {
    let content = content
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\"{}{}>{content}</text>\n",
        if end { " text-anchor=\"end\"" } else { "" },
        if bold { " font-weight=\"bold\"" } else { "" },
    )
}

/// The width of `text` in px at `size`, estimated high: each character is
/// given at least its advance in DejaVu Sans, regular or bold (bold as a
/// seventh more), the widest of the usual sans-serif fonts: Arial,
/// Helvetica and Segoe UI are narrower.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            ' ' | 'i' | 'j' | 'l' | 'f' | 't' | 'r' | 'I' | 'J' | '.' | ',' | ':' | ';' | '\''
            | '!' | '|' | '(' | ')' | '[' | ']' | '{' | '}' | '/' | '\\' | '-' | '`' => 0.44,
            'm' | 'w' | 'M' | 'W' | '%' | '@' | '#' | '&' | '+' | '=' | '<' | '>' | '~' => 1.0,
            'A'..='Z' => 0.8,
            c if c.is_ascii() => 0.66,
            _ => 1.0,
        })
        .sum();
    ems * size * if bold { 8.0 / 7.0 } else { 1.0 }
}

/// A box in px: left, top, right, bottom.
type Extent = (f64, f64, f64, f64);

fn overlap(a: Extent, b: Extent) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Checks an SVG as [`render`] writes it (an element a line): that each
/// text's estimated extent ([`text_width`] across, from 0.8 of the font
/// size above its baseline to 0.25 below) lies inside the canvas and
/// overlaps no bar and no other text. Errs with a line for each that does
/// not.
pub fn check_fit(svg: &str) -> Result<(), String> {
    let attribute = |line: &str, name: &str| -> Option<String> {
        let start = line.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(line[start..][..line[start..].find('"')?].to_owned())
    };
    let number = |line: &str, name: &str| attribute(line, name)?.parse::<f64>().ok();
    let mut canvas = None;
    let mut font = FONT;
    let mut bars = Vec::new();
    let mut texts = Vec::new();
    let mut problems = String::new();
    for line in svg.lines() {
        if line.starts_with("<svg") {
            canvas = number(line, "width").zip(number(line, "height"));
            font = number(line, "font-size").unwrap_or(font);
        } else if line.starts_with("<rect") && attribute(line, "width").as_deref() != Some("100%") {
            match (|| {
                let (x, y) = (number(line, "x")?, number(line, "y")?);
                Some((
                    x,
                    y,
                    x + number(line, "width")?,
                    y + number(line, "height")?,
                ))
            })() {
                Some(extent) => bars.push(extent),
                None => problems.push_str(&format!("cannot read {line}\n")),
            }
        } else if line.starts_with("<text") {
            let content = line
                .find('>')
                .zip(line.rfind("</text>"))
                .map(|(open, close)| &line[open + 1..close]);
            let (Some(x), Some(y), Some(content)) = (number(line, "x"), number(line, "y"), content)
            else {
                problems.push_str(&format!("cannot read {line}\n"));
                continue;
            };
            let content = content
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            let size = number(line, "font-size").unwrap_or(font);
            let bold = attribute(line, "font-weight").as_deref() == Some("bold");
            let width = text_width(&content, size, bold);
            let left = match attribute(line, "text-anchor").as_deref() {
                Some("end") => x - width,
                Some("middle") => x - width / 2.0,
                _ => x,
            };
            texts.push((
                content,
                (left, y - 0.8 * size, left + width, y + 0.25 * size),
            ));
        }
    }
    let Some((width, height)) = canvas else {
        return Err("no <svg> element with a width and a height".to_owned());
    };
    for (index, (content, extent)) in texts.iter().enumerate() {
        let (left, top, right, bottom) = *extent;
        if left < 0.0 || top < 0.0 || right > width || bottom > height {
            problems.push_str(&format!(
                "\"{content}\" spans ({left:.1}, {top:.1})–({right:.1}, {bottom:.1}), outside the {width}×{height} canvas\n"
            ));
        }
        if bars.iter().any(|&bar| overlap(*extent, bar)) {
            problems.push_str(&format!("\"{content}\" runs into a bar\n"));
        }
        for (other, _) in texts[index + 1..]
            .iter()
            .filter(|(_, e)| overlap(*extent, *e))
        {
            problems.push_str(&format!("\"{content}\" runs into \"{other}\"\n"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    // latency.rs and lists.rs, without a harness, compile this module with
    // cfg(test) but no #[test] functions.
    #[allow(unused_imports)]
    use super::*;

    /// The numbers of the run that the committed SVGs and docs/performance.md's tables
    /// show. The renders go to target/tmp to be looked at; when the layout
    /// changes, copy them over benches/latency.svg and benches/lists.svg
    /// rather than run the benchmarks again.
    #[test]
    fn the_committed_runs_numbers_fit() {
        let loopback = [
            ("library, pooled, HTTPS (C ABI)", 0.088),
            (
                "library, pooled, HTTPS, CallMethod server.time (C ABI)",
                0.082,
            ),
            ("library, pooled, HTTP (C ABI)", 0.075),
            ("fresh connection + TLS per call", 1.235),
            ("curl, a process per call", 19.099),
            ("reqwest::blocking, pooled (for comparison)", 0.183),
            ("floor: bare hyper, kept-alive, current-thread tokio", 0.064),
            (
                "floor: hand-written HTTP/1.1 over rustls, no runtime",
                0.045,
            ),
        ];
        let far = [
            ("library, pooled (warm)", 1.03),
            ("fresh connection + TLS per call", 3.09),
            ("curl, a process per call", 3.73),
            ("floor: bare kept-alive client", 1.02),
        ];
        let seconds = |tenths: u64| Duration::from_millis(tenths * 100);
        let runs = [
            ("oint GetList (offset)", 100_000, seconds(12), 41),
            ("oint GetList --by-id", 100_000, seconds(207), 41),
            ("fast_bitrix24 get_all", 100_000, seconds(29), 41),
            ("b24pysdk call_list", 100_000, seconds(216), 41),
            ("b24pysdk call_list_fast", 100_000, seconds(219), 41),
            ("a call per page", 10_000, seconds(758), 341),
        ];
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
        write(
            &out.join("latency.svg"),
            &latency(&loopback, &far, Duration::from_millis(50)),
        );
        write(&out.join("lists.svg"), &lists(&runs));
    }

    #[test]
    fn the_committed_plots_fit() {
        for name in ["latency.svg", "lists.svg"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("benches")
                .join(name);
            let svg = std::fs::read_to_string(&path).unwrap();
            if let Err(problems) = check_fit(&svg) {
                panic!("{}:\n{problems}", path.display());
            }
        }
    }

    #[test]
    fn the_canvas_grows_with_its_texts() {
        let label = format!("{} <&>", "W".repeat(100));
        let figure = format!("{} ms", "8".repeat(60));
        let svg = render(&[Section {
            title: "M".repeat(200),
            log: true,
            color: "black",
            bars: vec![
                Bar::new(&label, 1e-9, figure.clone()),
                Bar::new("x", 1e9, figure),
            ],
        }]);
        check_fit(&svg).unwrap();
        assert!(svg.contains(" &lt;&amp;&gt;</text>"), "{svg}");
        let title = text_width(&"M".repeat(200), FONT, true);
        let width = (MARGIN + title + MARGIN).ceil();
        assert!(svg.contains(&format!(" width=\"{width}\" ")), "{svg}");
    }

    #[test]
    fn what_does_not_fit_is_caught() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"60\" font-size=\"13\">\n\
                   <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
                   <text x=\"100\" y=\"20\" text-anchor=\"end\">a label longer than its column</text>\n\
                   <rect x=\"108\" y=\"5\" width=\"150\" height=\"22\" fill=\"black\"/>\n\
                   <text x=\"200\" y=\"20\">inside</text>\n\
                   <text x=\"264\" y=\"20\">past the edge</text>\n\
                   <text x=\"10\" y=\"58\">low</text>\n\
                   </svg>\n";
        let problems = check_fit(svg).unwrap_err();
        assert!(
            problems.contains("\"a label longer than its column\" spans"),
            "{problems}"
        );
        assert!(
            problems.contains("\"inside\" runs into a bar"),
            "{problems}"
        );
        assert!(problems.contains("\"past the edge\" spans"), "{problems}");
        assert!(problems.contains("\"low\" spans"), "{problems}");
        assert!(!problems.contains("\"past the edge\" runs"), "{problems}");
    }
}
