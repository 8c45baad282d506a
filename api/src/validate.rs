//! Input rules shared by every command and every read that takes a client's value: texts, slugs,
//! URLs, sizes, dates, list lengths. Each failure names the input field.

use crate::error::{AppError, AppResult};

/// Longest slug.
pub const SLUG_MAX: usize = 200;

/// Whether a date lies in the years 1 to 9999: every date a client sends must, since the
/// databases cannot hold all that chrono can (PostgreSQL stops at 4713 BC).
pub fn date_in_range(date: &chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&date.year())
}

/// An instant a client sent, checked to lie in the years 1 to 9999 (see [`date_in_range`]).
pub fn instant(
    field: &'static str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<chrono::DateTime<chrono::Utc>> {
    if date_in_range(&at.date_naive()) {
        Ok(at)
    } else {
        Err(AppError::bad_input(
            field,
            format!("`{field}` must lie between the years 1 and 9999"),
        ))
    }
}

/// A list of at most `max` items: every list an editor sends is written row by row and checked in
/// one statement, so its length is bounded like any other client-sized number.
pub fn at_most<T>(field: &'static str, items: &[T], max: usize) -> AppResult<()> {
    if items.len() > max {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` holds at most {max} items, got {}", items.len()),
        ));
    }
    Ok(())
}

/// Most numbered variants (`slug-2`, `slug-3`, ...) tried for a slug made from a title.
pub const SLUG_VARIANTS: usize = 1000;

/// A required text of `min..=max` characters, trimmed.
pub fn text(field: &'static str, value: &str, min: usize, max: usize) -> AppResult<String> {
    let value = value.trim();
    let length = value.chars().count();
    if length < min || length > max {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` must have {min} to {max} characters, has {length}"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` contains control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional text; empty becomes `None`.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(field, value, 1, max).map(Some),
    }
}

/// A slug: lowercase ASCII letters and digits in words joined by single hyphens.
pub fn slug(field: &'static str, value: &str) -> AppResult<String> {
    let valid = !value.is_empty()
        && value.len() <= SLUG_MAX
        && value.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(
            field,
            format!(
                "`{value}` is not a slug: use lowercase letters and digits joined by single hyphens, at most {SLUG_MAX} characters"
            ),
        ))
    }
}

/// A slug made from a title: transliterated (Chinese becomes pinyin), lowercased, hyphenated.
pub fn slugify(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        if slug.len() + word.len() + 1 > SLUG_MAX - 8 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() {
        "untitled".to_owned()
    } else {
        slug
    }
}

/// An absolute http(s) URL.
pub fn url(field: &'static str, value: &str) -> AppResult<String> {
    let refused =
        || AppError::bad_input(field, "only http and https URLs of at most 2000 characters");
    if value.len() > 2000 {
        return Err(refused());
    }
    let parsed = url::Url::parse(value.trim())
        .map_err(|_| AppError::bad_input(field, format!("`{value}` is not a URL")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(refused());
    }
    Ok(parsed.to_string())
}

/// A positive pixel size.
pub fn pixels(field: &'static str, value: Option<i32>) -> AppResult<Option<i32>> {
    match value {
        Some(pixels) if !(1..=100_000).contains(&pixels) => Err(AppError::bad_input(
            field,
            "a size in pixels is between 1 and 100000",
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_titles_in_either_language() {
        assert_eq!(
            slugify("SZPU and Guangxi Sign a New Round!"),
            "szpu-and-guangxi-sign-a-new-round"
        );
        assert_eq!(slugify("对口帮扶"), "dui-kou-bang-fu");
        assert_eq!(slugify("   "), "untitled");
        assert!(slug("s", "Bad Slug").is_err());
        assert!(slug("s", "a--b").is_err());
        assert!(slug("s", "good-slug-2").is_ok());
    }
}
