//! The YAML writer: block style, two-space indentation, written straight from a JSON value.
//!
//! Every scalar's style is decided where it is written, by the same YAML 1.1 resolver that
//! [`super::read_back_yaml11`] uses plus a stricter guard for spellings other readers take as
//! numbers, booleans or nulls: a string is left plain only when no reader could take it for
//! anything else, so the output is safe by construction, not by a second parse. The layout
//! follows serde-saphyr's (the writer the lab used before; a test holds the two byte-equal
//! on the whole lab), so switching writers changed no file in `generated/`.

use std::fmt::Write;

use serde_json::{Map, Number, Value};

use super::resolve_plain_yaml11;

const STEP: usize = 2;

/// One document, without header, ending in a newline.
pub fn document(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    document_into(&mut out, value);
    out
}

/// [`document`], appended to `out` (a file's buffer: no copy of each document into it).
pub fn document_into(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => mapping(out, map, 0, false),
        Value::Array(items) if !items.is_empty() => sequence(out, items, 0, false),
        scalar => node_inline(out, scalar, 0),
    }
}

fn indent(out: &mut String, column: usize) {
    out.extend(std::iter::repeat_n(' ', column));
}

/// A mapping whose keys sit at `column`; `inline` when its first key follows a `- ` already
/// written on the current line.
fn mapping(out: &mut String, map: &Map<String, Value>, column: usize, inline: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, column);
        }
        write_key(out, key);
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                mapping(out, inner, column + STEP, false);
            }
            // A sequence under a key starts at the key's column.
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(out, items, column, false);
            }
            scalar => {
                out.push(' ');
                node_inline(out, scalar, column);
            }
        }
    }
}

/// A sequence whose dashes sit at `column`; `inline` as for [`mapping`].
fn sequence(out: &mut String, items: &[Value], column: usize, inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, column);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, map, column + STEP, true),
            Value::Array(inner) if !inner.is_empty() => sequence(out, inner, column + STEP, true),
            scalar => node_inline(out, scalar, column),
        }
    }
}

/// A scalar (or an empty collection) after `key: ` or `- `, up to and including its line
/// end. `parent` is the column of the key or dash: a block scalar's body goes one step in.
fn node_inline(out: &mut String, value: &Value, parent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => number(out, n),
        Value::String(s) if s.contains('\n') && block_safe(s) => {
            return literal_block(out, s, parent + STEP);
        }
        Value::String(s) => string_value(out, s),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
    out.push('\n');
}

/// Integers as written; floats in their shortest form, always with a `.` (and an explicit
/// exponent sign) so that no reader takes them for integers.
fn number(out: &mut String, n: &Number) {
    if !n.is_f64() {
        let _ = write!(out, "{n}");
        return;
    }
    let text = n.to_string();
    match text.find(['e', 'E']) {
        Some(at) => {
            let (mantissa, exponent) = (&text[..at], &text[at + 1..]);
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push('e');
            if !exponent.starts_with(['+', '-']) {
                out.push('+');
            }
            out.push_str(exponent);
        }
        None => {
            out.push_str(&text);
            if !text.contains('.') {
                out.push_str(".0");
            }
        }
    }
}

/// A multi-line string as a literal block (`|`), its body at `body`. The chomping indicator
/// keeps the exact number of trailing newlines; an indentation indicator is added when the
/// first line starts with spaces, which a reader would otherwise take for indentation.
fn literal_block(out: &mut String, s: &str, body: usize) {
    let content = s.trim_end_matches('\n');
    let trailing = s.len() - content.len();
    out.push('|');
    let first_line = content.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    if first_line.starts_with(' ') {
        let _ = write!(out, "{STEP}");
    }
    match trailing {
        0 => out.push('-'),
        1 if !content.is_empty() => {}
        _ => out.push('+'),
    }
    out.push('\n');
    if content.is_empty() {
        out.extend(std::iter::repeat_n('\n', trailing));
        return;
    }
    for line in content.split('\n') {
        if !line.is_empty() {
            indent(out, body);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.extend(std::iter::repeat_n('\n', trailing.saturating_sub(1)));
}

fn string_value(out: &mut String, s: &str) {
    if matches!(s, "." | "#" | "-") {
        let _ = write!(out, "'{s}'");
    } else if plain_value_ok(s) {
        out.push_str(s);
    } else {
        double_quoted(out, s);
    }
}

fn write_key(out: &mut String, key: &str) {
    if plain_key_ok(key) {
        out.push_str(key);
    } else {
        double_quoted(out, key);
    }
}

/// Characters a block scalar can hold literally: printable ones, tab and line feed; not
/// carriage return, BOM or the Unicode line separators, which a reader would change.
fn block_safe(s: &str) -> bool {
    s.chars().all(|c| match c {
        '\n' | '\t' => true,
        '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' => false,
        c => matches!(c as u32, 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..),
    })
}

/// Characters that only a double-quoted escape can carry.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
        )
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{FEFF}' => out.push_str("\\uFEFF"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) <= 0xFF && needs_escape(c) => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF && needs_escape(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A value may be plain when no reader takes it for another type and no character of it
/// is YAML syntax where it stands.
fn plain_value_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if reads_as_non_string(s)
        || is_document_marker(s)
        || first.is_ascii_whitespace()
        || bytes.last().is_some_and(u8::is_ascii_whitespace)
    {
        return false;
    }
    match bytes {
        [b'-' | b'?'] | [b'-' | b'?', b' ' | b'\t' | b'\n' | b'\r' | b'\x0c', ..] => return false,
        [
            b',' | b':' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>'
            | b'\'' | b'"' | b'%' | b'@' | b'`',
            ..,
        ] => return false,
        _ => {}
    }
    !(s.contains(": ")
        || s.trim().ends_with(':')
        || s.chars().any(needs_escape)
        || comment_inside(s))
}

/// Keys are stricter: no `:` at all, and nothing a flow collection would read as syntax.
fn plain_key_ok(s: &str) -> bool {
    plain_value_ok(s) && s != "<<" && !s.contains([':', ',', '[', ']', '{', '}'])
}

/// `#` after whitespace starts a comment in a plain scalar.
fn comment_inside(s: &str) -> bool {
    s.match_indices('#')
        .any(|(i, _)| s[..i].chars().next_back().is_some_and(char::is_whitespace))
}

fn is_document_marker(s: &str) -> bool {
    s.strip_prefix("---")
        .or_else(|| s.strip_prefix("..."))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace()))
}

/// True when some reader would resolve the plain scalar `s` to a type other than string:
/// the lab's YAML 1.1 resolver first, then the looser spellings of YAML 1.2 and Go's
/// readers (booleans and nulls in any case, `nan`/`inf`, octal `0o`, dotted versions such
/// as `1.10.3`, which the YAML 1.1 float production `[0-9.]*` accepts).
fn reads_as_non_string(s: &str) -> bool {
    // Every other type's spelling, in the resolver and in the words and numbers below, starts
    // with one of these bytes; most strings (names, URLs) do not, and are decided here without
    // a pattern or an allocation.
    match s.as_bytes().first() {
        None => return true,
        Some(b) if !b"yYnNtTfFoOiI~0123456789+-._<=".contains(b) => return false,
        // Of those starting with a letter, only the words are not strings.
        Some(b) if b.is_ascii_alphabetic() => return is_word(s),
        Some(_) => {}
    }
    !matches!(&resolve_plain_yaml11(s), Value::String(t) if t == s)
        || is_word(s)
        || looks_numeric(s)
}

/// The booleans, nulls and special floats of every reader, in any case. For a string that
/// starts with a letter this is the whole question: the resolver's other types (numbers,
/// timestamps, `<<`, `=`) never start with one.
fn is_word(s: &str) -> bool {
    const WORDS: [&str; 17] = [
        "null", "true", "false", "yes", "no", "y", "n", "on", "off", "nan", "inf", "+inf", "-inf",
        ".nan", ".inf", "+.inf", "-.inf",
    ];
    s.len() <= "false".len() && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Number-like spellings in any reader's grammar, checked without building a number.
fn looks_numeric(s: &str) -> bool {
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '_')) {
        return false;
    }
    // Radix forms: YAML 1.1 allows `_` anywhere among the digits; Go (below) drops every `_`
    // first and then accepts a sign after a lowercase `0b`/`0o`.
    if radix_form(s.strip_prefix(['+', '-']).unwrap_or(s), true) == Some(true) {
        return true;
    }
    // Go's reader drops every `_` before it resolves a number.
    let digits: String = s.chars().filter(|&c| c != '_').collect();
    let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(&digits);
    if let Some(numeric) = radix_form(unsigned, false) {
        return numeric;
    }
    let mantissa = match unsigned.split_once(['e', 'E']) {
        Some((m, exp)) => {
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if exp.is_empty() || !exp.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            m
        }
        None => unsigned,
    };
    match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            // even a lone `.`: the production's digits are all optional
            whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// `Some(numeric)` when `unsigned` starts with a radix prefix: YAML 1.1's reading (`_` among
/// the digits) or, with `yaml11` false, Go's (a sign after a lowercase prefix).
fn radix_form(unsigned: &str, yaml11: bool) -> Option<bool> {
    let (radix, sign_allowed) = match unsigned.get(..2)? {
        "0x" | "0X" => (16, false),
        "0o" => (8, true),
        "0O" => (8, false),
        "0b" => (2, true),
        "0B" => (2, false),
        _ => return None,
    };
    let rest = &unsigned[2..];
    let rest = match sign_allowed && !yaml11 {
        true => rest.strip_prefix(['+', '-']).unwrap_or(rest),
        false => rest,
    };
    Some(
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| (yaml11 && c == '_') || c.is_digit(radix)),
    )
}
