//! The JSON shapes of the REST API, built from domain rows. Relations of a list are loaded in
//! one batch per relation, as in GraphQL.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entities::{agreement, article, institution, person, section};
use serde::Serialize;
use utoipa::ToSchema;

use crate::content::jsonld::{NewsArticleParts, news_article};
use crate::content::markdown;
use crate::error::AppResult;
use crate::ids::{self, Kind};
use crate::reads::Reader;
use crate::reads::loaders::{
    AgreementById, AgreementsOfArticle, AuthorsOf, InstitutionById, InstitutionsMentionedIn,
    MediaOf, PeopleMentionedIn, PersonById, TagsOf,
};
use crate::reads::sections;

/// A short reference to a section.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionRef {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// English name.
    pub name: String,
}

impl From<&section::Model> for SectionRef {
    fn from(row: &section::Model) -> Self {
        Self {
            id: ids::encode(Kind::Section, row.id),
            slug: row.slug.clone(),
            name: row.name_en.clone(),
        }
    }
}

/// A section with its place in the tree.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionView {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// From the top of the site down to this section.
    pub breadcrumb: Vec<SectionRef>,
    /// The sections directly below.
    #[schema(no_recursion)]
    pub children: Vec<SectionView>,
}

/// Builds a section and its subtree.
pub fn section_view(tree: &sections::SectionTree, row: &section::Model) -> SectionView {
    SectionView {
        id: ids::encode(Kind::Section, row.id),
        slug: row.slug.clone(),
        name: row.name_en.clone(),
        name_zh: row.name_zh.clone(),
        breadcrumb: tree
            .path_to(row.id)
            .into_iter()
            .map(SectionRef::from)
            .collect(),
        children: tree
            .children(Some(row.id))
            .into_iter()
            .map(|child| section_view(tree, child))
            .collect(),
    }
}

/// A short reference to an institution.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstitutionRef {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// English name.
    pub name: String,
    /// English short name.
    pub short_name: Option<String>,
}

impl From<&institution::Model> for InstitutionRef {
    fn from(row: &institution::Model) -> Self {
        Self {
            id: ids::encode(Kind::Institution, row.id),
            slug: row.slug.clone(),
            name: row.name_en.clone(),
            short_name: row.short_name_en.clone(),
        }
    }
}

/// An institution.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstitutionView {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// English short name.
    pub short_name: Option<String>,
    /// Kind, lowercase (`university`, `office`, ...).
    pub kind: String,
    /// The parent institution's global ID.
    pub parent_id: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Motto.
    pub motto: Option<String>,
}

impl From<&institution::Model> for InstitutionView {
    fn from(row: &institution::Model) -> Self {
        Self {
            id: ids::encode(Kind::Institution, row.id),
            slug: row.slug.clone(),
            name: row.name_en.clone(),
            name_zh: row.name_zh.clone(),
            short_name: row.short_name_en.clone(),
            kind: lower(row.kind),
            parent_id: row.parent_id.map(|id| ids::encode(Kind::Institution, id)),
            region: row.region.clone(),
            city: row.city.clone(),
            address: row.address.clone(),
            postcode: row.postcode.clone(),
            website: row.website.clone(),
            motto: row.motto_en.clone(),
        }
    }
}

/// A person.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Name in English.
    pub name: String,
    /// Name in Chinese.
    pub name_zh: Option<String>,
}

impl From<&person::Model> for PersonView {
    fn from(row: &person::Model) -> Self {
        Self {
            id: ids::encode(Kind::Person, row.id),
            slug: row.slug.clone(),
            name: row.name_en.clone(),
            name_zh: row.name_zh.clone(),
        }
    }
}

/// An agreement.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgreementView {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// English title.
    pub title: String,
    /// Kind, lowercase (`pairing_assistance`, ...).
    pub kind: String,
    /// Summary.
    pub summary: Option<String>,
    /// Day signed.
    pub signed_on: Option<NaiveDate>,
    /// Year signed.
    pub signed_year: Option<i32>,
    /// First day in force.
    pub effective_from: Option<NaiveDate>,
    /// Last day in force.
    pub effective_until: Option<NaiveDate>,
    /// Areas of cooperation, in order.
    pub areas_of_cooperation: Vec<String>,
    /// The predecessor's global ID.
    pub predecessor_id: Option<String>,
}

impl From<&agreement::Model> for AgreementView {
    fn from(row: &agreement::Model) -> Self {
        Self {
            id: ids::encode(Kind::Agreement, row.id),
            slug: row.slug.clone(),
            title: row.title_en.clone(),
            kind: lower(row.kind),
            summary: row.summary.clone(),
            signed_on: row.signed_on,
            signed_year: row.signed_year,
            effective_from: row.effective_from,
            effective_until: row.effective_until,
            areas_of_cooperation: row.areas.0.clone(),
            predecessor_id: row
                .predecessor_id
                .map(|id| ids::encode(Kind::Agreement, id)),
        }
    }
}

/// A photo or other media item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaView {
    /// File URL.
    pub url: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Credit.
    pub credit: Option<String>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
}

/// A person named in an article.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MentionView {
    /// The person.
    pub person: PersonView,
    /// Why they are named, lowercase (`attendee`, `speaker`, ...).
    pub roles: Vec<String>,
    /// Their title as printed.
    pub title_as_printed: Option<String>,
}

/// Who an article is by.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BylineView {
    /// The source unit.
    pub institution: Option<InstitutionRef>,
    /// The authors, in order.
    pub authors: Vec<PersonView>,
}

/// An article with its relations.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleView {
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// `en` or `zh`.
    pub locale: String,
    /// Headline.
    pub title: String,
    /// Standfirst.
    pub summary: Option<String>,
    /// Body as sanitised HTML.
    pub body_html: String,
    /// Body as plain text.
    pub body_text: String,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The section.
    pub section: Option<SectionRef>,
    /// From the top of the site down to the section.
    pub breadcrumb: Vec<SectionRef>,
    /// Byline.
    pub byline: BylineView,
    /// Media, in order.
    pub media: Vec<MediaView>,
    /// People named, in order.
    pub mentioned_people: Vec<MentionView>,
    /// Institutions named, in order.
    pub mentioned_institutions: Vec<InstitutionRef>,
    /// Related agreements.
    pub related_agreements: Vec<AgreementView>,
    /// Tag slugs.
    pub tags: Vec<String>,
    /// schema.org `NewsArticle` JSON-LD.
    #[schema(value_type = Object)]
    pub json_ld: serde_json::Value,
}

fn lower<T: std::fmt::Debug>(value: T) -> String {
    let text = format!("{value:?}");
    let mut snake = String::new();
    for (index, c) in text.chars().enumerate() {
        if c.is_uppercase() && index > 0 {
            snake.push('_');
        }
        snake.extend(c.to_lowercase());
    }
    snake
}

/// Builds the views of `rows`, loading each relation once for all of them, through the request's
/// reader (which answers what the node's shared rows hold, when it may read them).
pub async fn article_views(
    relations: &Reader,
    rows: Vec<article::Model>,
) -> AppResult<Vec<ArticleView>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let tree = relations.section_tree().await?;
    let authors = relations.by_ids::<AuthorsOf>(&ids).await?;
    let media = relations.by_ids::<MediaOf>(&ids).await?;
    let mentions = relations.by_ids::<PeopleMentionedIn>(&ids).await?;
    let institution_links = relations.by_ids::<InstitutionsMentionedIn>(&ids).await?;
    let agreement_links = relations.by_ids::<AgreementsOfArticle>(&ids).await?;
    let tags = relations.by_ids::<TagsOf>(&ids).await?;
    let person_ids: Vec<i64> = authors
        .values()
        .flatten()
        .map(|link| link.person_id)
        .chain(mentions.values().flatten().map(|link| link.person_id))
        .collect();
    let people_rows = relations.by_ids::<PersonById>(&person_ids).await?;
    let institution_ids: Vec<i64> = rows
        .iter()
        .filter_map(|row| row.source_institution_id)
        .chain(
            institution_links
                .values()
                .flatten()
                .map(|link| link.institution_id),
        )
        .collect();
    let institution_rows = relations
        .by_ids::<InstitutionById>(&institution_ids)
        .await?;
    let agreement_ids: Vec<i64> = agreement_links
        .values()
        .flatten()
        .map(|link| link.agreement_id)
        .collect();
    let agreement_rows = relations.by_ids::<AgreementById>(&agreement_ids).await?;
    let views = rows
        .into_iter()
        .map(|row| {
            let article_authors: Vec<person::Model> = authors
                .get(&row.id)
                .into_iter()
                .flatten()
                .filter_map(|link| people_rows.get(&link.person_id).cloned())
                .collect();
            let article_media = media.get(&row.id).cloned().unwrap_or_default();
            let unit = row
                .source_institution_id
                .and_then(|id| institution_rows.get(&id));
            let mut grouped: Vec<MentionView> = Vec::new();
            let mut index_of: HashMap<i64, usize> = HashMap::new();
            for link in mentions.get(&row.id).into_iter().flatten() {
                let Some(person) = people_rows.get(&link.person_id) else {
                    continue;
                };
                match index_of.get(&link.person_id) {
                    Some(index) => grouped[*index].roles.push(lower(link.role)),
                    None => {
                        index_of.insert(link.person_id, grouped.len());
                        grouped.push(MentionView {
                            person: PersonView::from(person),
                            roles: vec![lower(link.role)],
                            title_as_printed: link.title_as_printed.clone(),
                        });
                    }
                }
            }
            let json_ld = news_article(&NewsArticleParts {
                article: &row,
                section: tree.get(row.section_id),
                unit,
                authors: &article_authors,
                media: &article_media,
            });
            ArticleView {
                id: ids::encode(Kind::Article, row.id),
                slug: row.slug.clone(),
                locale: lower(row.locale),
                title: row.title.clone(),
                summary: row.summary.clone(),
                body_html: markdown::to_html(&row.body),
                body_text: markdown::to_text(&row.body),
                published_at: row.published_at,
                updated_at: row.updated_at,
                section: tree.get(row.section_id).map(SectionRef::from),
                breadcrumb: tree
                    .path_to(row.section_id)
                    .into_iter()
                    .map(SectionRef::from)
                    .collect(),
                byline: BylineView {
                    institution: unit.map(InstitutionRef::from),
                    authors: article_authors.iter().map(PersonView::from).collect(),
                },
                media: article_media
                    .iter()
                    .map(|item| MediaView {
                        url: item.url.clone(),
                        caption: item.caption.clone(),
                        alt_text: item.alt_text.clone(),
                        credit: item.credit.clone(),
                        width: item.width,
                        height: item.height,
                    })
                    .collect(),
                mentioned_people: grouped,
                mentioned_institutions: institution_links
                    .get(&row.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|link| {
                        institution_rows
                            .get(&link.institution_id)
                            .map(InstitutionRef::from)
                    })
                    .collect(),
                related_agreements: agreement_links
                    .get(&row.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|link| {
                        agreement_rows
                            .get(&link.agreement_id)
                            .map(AgreementView::from)
                    })
                    .collect(),
                tags: tags
                    .get(&row.id)
                    .into_iter()
                    .flatten()
                    .map(|tag| tag.slug.clone())
                    .collect(),
                json_ld,
            }
        })
        .collect();
    Ok(views)
}
