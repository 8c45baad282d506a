//! Public enums. Each mirrors a closed set of the domain with explicit conversions, so the
//! database spelling and the API spelling can change independently.

use entities::enums as db;

use crate::content::agreements;
use crate::content::articles;

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $source:path { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl From<$source> for $name {
            fn from(value: $source) -> Self {
                use $source as Source;
                match value {
                    $(Source::$variant => Self::$variant),*
                }
            }
        }

        impl From<$name> for $source {
            fn from(value: $name) -> Self {
                use $source as Source;
                match value {
                    $($name::$variant => Source::$variant),*
                }
            }
        }
    };
}

mirror_enum!(
    /// The language of an article.
    Locale <=> db::Locale {
        /// English.
        En,
        /// Chinese.
        Zh,
    }
);

mirror_enum!(
    /// Where an article is in the editorial workflow.
    ArticleStatus <=> db::ArticleStatus {
        /// Being written; never public.
        Draft,
        /// Published; public once its publication time has passed.
        Published,
        /// Taken out of circulation; never public.
        Archived,
    }
);

mirror_enum!(
    /// What sort of body an institution is.
    InstitutionKind <=> db::InstitutionKind {
        /// A university.
        University,
        /// A college, including vocational and polytechnic colleges.
        College,
        /// A school or faculty inside a university.
        School,
        /// A national ministry.
        Ministry,
        /// A department of a ministry, a provincial government or a party committee.
        Department,
        /// A government body that is not a ministry or department.
        Government,
        /// An administrative office.
        Office,
        /// A trade union or staff union.
        Union,
        /// A company or enterprise.
        Company,
        /// Anything else.
        Other,
    }
);

mirror_enum!(
    /// What sort of agreement it is.
    AgreementKind <=> db::AgreementKind {
        /// One institution supports another (对口帮扶).
        PairingAssistance,
        /// Counterpart cooperation between peers (对口合作).
        CounterpartCooperation,
        /// A memorandum of understanding.
        Memorandum,
        /// A framework or strategic cooperation agreement.
        Framework,
        /// Anything else.
        Other,
    }
);

mirror_enum!(
    /// The part an institution plays in an agreement.
    PartyRole <=> db::PartyRole {
        /// A party on equal terms.
        Party,
        /// Gives support (in pairing assistance).
        Supporting,
        /// Receives support (in pairing assistance).
        Supported,
        /// Witnesses or oversees the agreement.
        Witness,
    }
);

mirror_enum!(
    /// Why a person is named in an article.
    MentionRole <=> db::MentionRole {
        /// Attended the event reported.
        Attendee,
        /// Spoke or reported at the event.
        Speaker,
        /// Wrote the article.
        Author,
        /// Quoted in the article.
        Quoted,
        /// Named for another reason.
        Mentioned,
    }
);

mirror_enum!(
    /// Where an agreement stands on a given day, derived from its dates and its successors.
    AgreementStatus <=> agreements::AgreementStatus {
        /// Not yet in force.
        Upcoming,
        /// In force.
        Active,
        /// Past its term, or replaced by a successor that has taken effect.
        Expired,
    }
);

mirror_enum!(
    /// The order of an article list.
    ArticleOrder <=> articles::ArticleOrder {
        /// Latest publication first.
        NewestFirst,
        /// Earliest publication first.
        OldestFirst,
    }
);

impl Default for ArticleOrder {
    fn default() -> Self {
        Self::NewestFirst
    }
}
