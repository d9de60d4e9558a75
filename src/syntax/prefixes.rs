//! Every truncation of the example specs parses without a panic or a hang, and with an
//! error when it is not a whole file: what an editor saving half-typed text hands over.

use std::path::{Path, PathBuf};

/// The `.ghost` files under `specs/` and `evals/`.
fn example_specs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<PathBuf> = ["specs", "evals"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)))
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|x| x == "ghost"))
        .collect();
    out.sort();
    out
}

/// The cut points tried in `text`: every line's end, and inside every line one point
/// that moves along its length from line to line (so that across a file, cuts fall in
/// names, numbers, strings, operators and brackets alike). Some 4,000 parses (seconds) over the
/// example specs; every byte would be some 70,000, minutes in a debug build: that is
/// [`every_prefix_of_the_example_specs_at_every_byte`], run on demand.
fn cut_points(text: &str) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut line_start = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end().len();
        if body > 1 {
            // A point 1/7, 2/7, ... of the way along, turning with the line's number.
            let mut at = line_start + 1 + (body - 1) * (n % 7 + 1) / 8;
            while !text.is_char_boundary(at) {
                at += 1;
            }
            cuts.push(at);
        }
        line_start += line.len();
        cuts.push(line_start);
    }
    cuts.dedup();
    cuts
}

/// Parses every cut of every example spec: no panic (a loop would never end the test),
/// and an error for every cut that is not a whole file.
fn check_cuts(cuts: impl Fn(&str) -> Vec<usize>) {
    let specs = example_specs();
    assert!(specs.len() > 10, "the example specs are found: {specs:?}");
    for path in specs {
        let text = std::fs::read_to_string(&path).expect("an example spec is UTF-8 text");
        for cut in cuts(&text) {
            let prefix = &text[..cut];
            let (_, diags) = super::parse(&path, prefix);
            assert!(
                diags.iter().any(|d| d.is_error()) || super::grammar::parse_file(prefix).is_ok(),
                "{} cut at byte {cut} does not parse, yet no error is reported",
                path.display()
            );
            assert!(
                diags.iter().all(|d| d.span.start <= prefix.len()),
                "{} cut at byte {cut}: a diagnostic past the end: {diags:?}",
                path.display()
            );
        }
    }
}

#[test]
fn every_line_of_the_example_specs_cut_parses_or_says_why() {
    check_cuts(cut_points);
}

/// Every character boundary of every example spec: minutes in a debug build, so run on
/// demand (`cargo test --release --lib -- --ignored at_every_byte`).
#[test]
#[ignore = "slow: run with --release -- --ignored"]
fn every_prefix_of_the_example_specs_at_every_byte() {
    check_cuts(|text| {
        (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect()
    });
}
