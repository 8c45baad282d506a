//! `Article`, its byline, media, mentions and tags.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::{article, article_person, media};

use super::{Agreement, ArticleStatus, Institution, Locale, MentionRole, Person, Section, Tag};
use crate::content::markdown;
use crate::error::GraphqlResultExt;
use crate::graphql::{load, load_many, missing, request};
use crate::ids::{self, Kind};
use crate::reads::loaders::{
    AgreementById, AgreementsOfArticle, AllSections, ArticleById, AuthorsOf, InstitutionById,
    InstitutionsMentionedIn, MediaOf, PeopleMentionedIn, PersonById, TagsOf, TranslationGroup,
};

/// A news article in one language.
pub struct Article(pub article::Model);

/// A news article in one language.
#[Object(cache_control(max_age = 60))]
impl Article {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Article, self.0.id))
    }

    /// URL slug, unique per locale.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The article's language.
    async fn locale(&self) -> Locale {
        self.0.locale.into()
    }

    /// Set when the client asked for another language (`Accept-Language`) and this article is
    /// served in its own because no translation exists: the locale asked for.
    async fn locale_fallback_from(&self, ctx: &Context<'_>) -> Result<Option<Locale>> {
        let preferred = request(ctx)?.preferred_locale;
        Ok(preferred
            .filter(|locale| *locale != self.0.locale)
            .map(Into::into))
    }

    /// schema.org `NewsArticle` JSON-LD, for a page's `<script type="application/ld+json">`.
    async fn json_ld(&self, ctx: &Context<'_>) -> Result<async_graphql::Json<serde_json::Value>> {
        let tree = load(ctx, AllSections)
            .await?
            .ok_or_else(|| missing("section tree"))?;
        let unit = match self.0.source_institution_id {
            Some(id) => load(ctx, InstitutionById(id)).await?,
            None => None,
        };
        let links = load(ctx, AuthorsOf(self.0.id)).await?.unwrap_or_default();
        let keys: Vec<_> = links
            .iter()
            .map(|link| PersonById(link.person_id))
            .collect();
        let people = load_many(ctx, keys.clone()).await?;
        let authors: Vec<_> = keys
            .iter()
            .filter_map(|key| people.get(key).cloned())
            .collect();
        let media = load(ctx, MediaOf(self.0.id)).await?.unwrap_or_default();
        let parts = crate::content::jsonld::NewsArticleParts {
            article: &self.0,
            section: tree.get(self.0.section_id),
            unit: unit.as_ref(),
            authors: &authors,
            media: &media,
        };
        Ok(async_graphql::Json(crate::content::jsonld::news_article(
            &parts,
        )))
    }

    /// Headline.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Standfirst, when the article has one.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    /// Body as the editors wrote it, in Markdown.
    async fn body_markdown(&self) -> &str {
        &self.0.body
    }

    /// Body as HTML, sanitised: no script, event handler or dangerous URL survives.
    async fn body_html(&self) -> String {
        markdown::to_html(&self.0.body)
    }

    /// Body as plain text, paragraphs separated by blank lines.
    async fn body_text(&self) -> String {
        markdown::to_text(&self.0.body)
    }

    /// Incremented on every save; send it back with updates.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Saved states of the article, newest first (for editors and authors; empty for others).
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<super::ArticleRevision>> {
        let request = request(ctx)?;
        let rows = crate::editorial::articles::revisions(&request.db, &request.viewer, &self.0)
            .await
            .gql()?;
        Ok(rows.into_iter().map(super::ArticleRevision).collect())
    }

    /// Workflow status.
    async fn status(&self) -> ArticleStatus {
        self.0.status.into()
    }

    /// When the article was (or will be) published.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// When the article was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the article was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The section the article is filed in.
    async fn section(&self, ctx: &Context<'_>) -> Result<Section> {
        let tree = load(ctx, AllSections)
            .await?
            .ok_or_else(|| missing("section tree"))?;
        let row = tree
            .get(self.0.section_id)
            .cloned()
            .ok_or_else(|| missing("section"))?;
        Ok(Section(row))
    }

    /// The path from the top of the site to the article's section ("News & Events", "Events").
    async fn breadcrumb(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = load(ctx, AllSections)
            .await?
            .ok_or_else(|| missing("section tree"))?;
        Ok(tree
            .path_to(self.0.section_id)
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// Who the article is by: the source unit and the authors, in order.
    async fn byline(&self) -> Byline {
        Byline {
            article_id: self.0.id,
            institution_id: self.0.source_institution_id,
        }
    }

    /// Photos and other media, in the order they appear.
    async fn media(&self, ctx: &Context<'_>) -> Result<Vec<Media>> {
        let rows = load(ctx, MediaOf(self.0.id)).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Media).collect())
    }

    /// The people the article names, in order of appearance, each once with all their roles.
    async fn mentioned_people(&self, ctx: &Context<'_>) -> Result<Vec<PersonMention>> {
        let rows = load(ctx, PeopleMentionedIn(self.0.id))
            .await?
            .unwrap_or_default();
        let mentions = PersonMention::group(&rows);
        // A mention of someone deleted while this request was read is left out.
        let keys: Vec<_> = mentions
            .iter()
            .map(|mention| PersonById(mention.person_id))
            .collect();
        let people = load_many(ctx, keys).await?;
        Ok(mentions
            .into_iter()
            .filter(|mention| people.contains_key(&PersonById(mention.person_id)))
            .collect())
    }

    /// The institutions the article names, in order of appearance.
    async fn mentioned_institutions(&self, ctx: &Context<'_>) -> Result<Vec<Institution>> {
        let links = load(ctx, InstitutionsMentionedIn(self.0.id))
            .await?
            .unwrap_or_default();
        let keys: Vec<_> = links
            .iter()
            .map(|link| InstitutionById(link.institution_id))
            .collect();
        let rows = load_many(ctx, keys.clone()).await?;
        Ok(keys
            .iter()
            .filter_map(|key| rows.get(key).cloned().map(Institution))
            .collect())
    }

    /// The agreements the article is about.
    async fn related_agreements(&self, ctx: &Context<'_>) -> Result<Vec<Agreement>> {
        let links = load(ctx, AgreementsOfArticle(self.0.id))
            .await?
            .unwrap_or_default();
        let keys: Vec<_> = links
            .iter()
            .map(|link| AgreementById(link.agreement_id))
            .collect();
        let rows = load_many(ctx, keys.clone()).await?;
        Ok(keys
            .iter()
            .filter_map(|key| rows.get(key).cloned().map(Agreement))
            .collect())
    }

    /// Tags, in order.
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<Tag>> {
        let rows = load(ctx, TagsOf(self.0.id)).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Tag).collect())
    }

    /// The original this article translates, if it is a translation (and the original is visible).
    async fn translation_of(&self, ctx: &Context<'_>) -> Result<Option<Article>> {
        match self.0.translation_of_id {
            Some(id) => Ok(load(ctx, ArticleById(id)).await?.map(Article)),
            None => Ok(None),
        }
    }

    /// The other language versions of this article that the caller may see.
    async fn translations(&self, ctx: &Context<'_>) -> Result<Vec<Article>> {
        let original = self.0.translation_of_id.unwrap_or(self.0.id);
        let rows = load(ctx, TranslationGroup(original))
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|row| row.id != self.0.id)
            .map(Article)
            .collect())
    }
}

/// Who an article is by.
pub struct Byline {
    article_id: i64,
    institution_id: Option<i64>,
}

/// Who an article is by.
#[Object(cache_control(max_age = 60))]
impl Byline {
    /// The unit the story comes from ("Pairing Support Office").
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.institution_id {
            Some(id) => Ok(load(ctx, InstitutionById(id)).await?.map(Institution)),
            None => Ok(None),
        }
    }

    /// The authors, in byline order.
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<Person>> {
        let links = load(ctx, AuthorsOf(self.article_id))
            .await?
            .unwrap_or_default();
        let keys: Vec<_> = links
            .iter()
            .map(|link| PersonById(link.person_id))
            .collect();
        let rows = load_many(ctx, keys.clone()).await?;
        Ok(keys
            .iter()
            .filter_map(|key| rows.get(key).cloned().map(Person))
            .collect())
    }

    /// The byline as printed: the unit's name, then the authors' names ("Pairing Support Office,
    /// Feng Min"). Null when there is neither.
    async fn text(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let mut parts = Vec::new();
        if let Some(id) = self.institution_id
            && let Some(institution) = load(ctx, InstitutionById(id)).await?
        {
            parts.push(institution.name_en);
        }
        let links = load(ctx, AuthorsOf(self.article_id))
            .await?
            .unwrap_or_default();
        let keys: Vec<_> = links
            .iter()
            .map(|link| PersonById(link.person_id))
            .collect();
        let people = load_many(ctx, keys.clone()).await?;
        parts.extend(
            keys.iter()
                .filter_map(|key| people.get(key).map(|person| person.name_en.clone())),
        );
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        Ok(printed_byline(&parts))
    }
}

/// A byline as printed: its parts (the unit's name, then the authors' names) joined by commas;
/// `None` when there are none.
pub(crate) fn printed_byline(parts: &[&str]) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A person named in an article.
pub struct PersonMention {
    pub(crate) person_id: i64,
    pub(crate) roles: Vec<MentionRole>,
    pub(crate) title_as_printed: Option<String>,
}

impl PersonMention {
    /// An article's mention rows as mentions: in order of appearance, each person once with all
    /// their roles (and the first title printed).
    pub(crate) fn group(rows: &[article_person::Model]) -> Vec<PersonMention> {
        let mut mentions: Vec<PersonMention> = Vec::new();
        for row in rows {
            match mentions
                .iter_mut()
                .find(|mention| mention.person_id == row.person_id)
            {
                Some(mention) => {
                    mention.roles.push(row.role.into());
                    if mention.title_as_printed.is_none() {
                        mention.title_as_printed = row.title_as_printed.clone();
                    }
                }
                None => mentions.push(PersonMention {
                    person_id: row.person_id,
                    roles: vec![row.role.into()],
                    title_as_printed: row.title_as_printed.clone(),
                }),
            }
        }
        mentions
    }
}

/// A person named in an article.
#[Object(cache_control(max_age = 60))]
impl PersonMention {
    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> Result<Person> {
        load(ctx, PersonById(self.person_id))
            .await?
            .map(Person)
            .ok_or_else(|| missing("person"))
    }

    /// Why they are named (attendee, speaker, ...), in the order recorded.
    async fn roles(&self) -> &[MentionRole] {
        &self.roles
    }

    /// Their title as printed in the article ("former Deputy Director of ..."), which may differ
    /// from their positions today.
    async fn title_as_printed(&self) -> Option<&str> {
        self.title_as_printed.as_deref()
    }
}

/// A photo or other media item attached to an article.
pub struct Media(pub media::Model);

/// A photo or other media item attached to an article.
#[Object(cache_control(max_age = 600))]
impl Media {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Media, self.0.id))
    }

    /// Place in the article, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Where the file is; null while no file is attached.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// Caption as printed.
    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }

    /// Text alternative for screen readers.
    async fn alt_text(&self) -> Option<&str> {
        self.0.alt_text.as_deref()
    }

    /// Photographer or source.
    async fn credit(&self) -> Option<&str> {
        self.0.credit.as_deref()
    }

    /// Width in pixels.
    async fn width(&self) -> Option<i32> {
        self.0.width
    }

    /// Height in pixels.
    async fn height(&self) -> Option<i32> {
        self.0.height
    }

    /// The article the media belongs to.
    async fn article(&self, ctx: &Context<'_>) -> Result<Option<Article>> {
        Ok(load(ctx, ArticleById(self.0.article_id))
            .await?
            .map(Article))
    }
}
