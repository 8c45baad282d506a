//! Article bodies are stored as Markdown and served as sanitised HTML and as plain text.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
}

/// Renders Markdown to HTML that is safe to embed: scripts, event handlers and dangerous URLs
/// are removed, whatever the Markdown contained.
pub fn to_html(markdown: &str) -> String {
    let mut unsafe_html = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut unsafe_html, parser(markdown));
    sanitizer().clean(&unsafe_html).to_string()
}

/// The sanitiser, built once: building one (its sets of allowed tags and attributes) cost a
/// third as much as cleaning an article's body with it.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(|| {
            let mut builder = ammonia::Builder::default();
            builder.link_rel(Some("noopener noreferrer"));
            builder
        });
    &SANITIZER
}

/// Renders Markdown to plain text: paragraphs separated by blank lines, markup and raw HTML
/// dropped.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in parser(markdown) {
        match event {
            Event::Text(chunk) | Event::Code(chunk) => text.push_str(&chunk),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::Start(Tag::Item) if !text.is_empty() && !text.ends_with('\n') => text.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => text.push_str("\n\n"),
            _ => {}
        }
    }
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_do_not_survive_rendering() {
        let html = to_html(
            "Hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(html.contains("Hello"));
    }

    #[test]
    fn plain_text_keeps_paragraphs_and_drops_markup() {
        assert_eq!(
            to_text("One *two*.\n\nThree **four**."),
            "One two.\n\nThree four."
        );
    }
}
