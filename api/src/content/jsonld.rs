//! schema.org `NewsArticle` JSON-LD for an article, for search engines and link previews.

use entities::{article, institution, media, person, section};
use serde_json::{Value, json};

use super::markdown;

/// What the JSON-LD of one article is made from.
pub struct NewsArticleParts<'a> {
    /// The article.
    pub article: &'a article::Model,
    /// Its section.
    pub section: Option<&'a section::Model>,
    /// The byline unit.
    pub unit: Option<&'a institution::Model>,
    /// The authors, in order.
    pub authors: &'a [person::Model],
    /// Its media, in order.
    pub media: &'a [media::Model],
}

/// The `NewsArticle` object.
pub fn news_article(parts: &NewsArticleParts<'_>) -> Value {
    let article = parts.article;
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "inLanguage": match article.locale { entities::enums::Locale::En => "en", entities::enums::Locale::Zh => "zh" },
        "dateModified": article.updated_at.to_rfc3339(),
        "articleBody": markdown::to_text(&article.body),
    });
    let object = value.as_object_mut();
    if let Some(object) = object {
        if let Some(at) = article.published_at {
            object.insert("datePublished".into(), json!(at.to_rfc3339()));
        }
        if let Some(summary) = &article.summary {
            object.insert("description".into(), json!(summary));
        }
        if let Some(section) = parts.section {
            object.insert("articleSection".into(), json!(section.name_en));
        }
        if !parts.authors.is_empty() {
            let authors: Vec<Value> = parts
                .authors
                .iter()
                .map(|person| json!({ "@type": "Person", "name": person.name_en }))
                .collect();
            object.insert("author".into(), json!(authors));
        }
        if let Some(unit) = parts.unit {
            object.insert(
                "sourceOrganization".into(),
                json!({ "@type": "Organization", "name": unit.name_en }),
            );
        }
        let images: Vec<Value> = parts
            .media
            .iter()
            .filter_map(|item| {
                let url = item.url.as_ref()?;
                Some(json!({ "@type": "ImageObject", "url": url, "caption": item.caption, "width": item.width, "height": item.height }))
            })
            .collect();
        if !images.is_empty() {
            object.insert("image".into(), json!(images));
        }
    }
    value
}
