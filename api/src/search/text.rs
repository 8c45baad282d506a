//! How text becomes words: English folded, lower-cased and stemmed; Chinese converted to
//! simplified characters and segmented with jieba (its dictionary cut to the commoner words),
//! with pinyin forms for names.

use std::sync::OnceLock;

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenStream, Tokenizer,
};

pub(super) fn register_tokenizers(index: &Index) {
    let english = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build();
    let chinese = TextAnalyzer::builder(ZhTokenizer)
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register("en_text", english);
    index.tokenizers().register("zh_text", chinese);
}

/// The words jieba segments Chinese text into: its dictionary (jieba-rs 0.11, MIT) cut to the
/// 79,746 words seen at least 20 times in its corpus, as `word frequency` lines
/// (`awk '$2 >= 20 {print $1, $2}' dict.txt`). Words outside it are still cut out by jieba's
/// hidden Markov model. The whole dictionary (349,045 words) took about 70 MB of memory once
/// loaded, on the first search or indexed change; this one takes about a fifth of that.
const ZH_WORDS: &str = include_str!("../../data/zh-words.txt");

fn jieba() -> &'static jieba_rs::Jieba {
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        jieba_rs::Jieba::with_dict(&mut ZH_WORDS.as_bytes()).unwrap_or_else(|error| {
            tracing::error!(%error, "search: the Chinese dictionary does not load");
            jieba_rs::Jieba::empty()
        })
    })
}

/// Chinese words, in jieba's search mode (long words and the shorter words within them), each
/// at the position of its first character.
#[derive(Clone, Copy)]
struct ZhTokenizer;

struct ZhTokens<'a> {
    text: &'a str,
    words: std::vec::IntoIter<jieba_rs::Token<'a>>,
    token: Token,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokens<'a>;

    fn token_stream<'a>(&mut self, text: &'a str) -> ZhTokens<'a> {
        ZhTokens {
            text,
            words: jieba()
                .tokenize(text, jieba_rs::TokenizeMode::Search, true)
                .into_iter(),
            token: Token::default(),
        }
    }
}

impl TokenStream for ZhTokens<'_> {
    fn advance(&mut self) -> bool {
        let Some(word) = self.words.next() else {
            return false;
        };
        // Words are slices of the text.
        self.token.offset_from = word.word.as_ptr() as usize - self.text.as_ptr() as usize;
        self.token.offset_to = self.token.offset_from + word.word.len();
        self.token.position = word.start;
        self.token.position_length = word.end - word.start;
        self.token.text.clear();
        self.token.text.push_str(word.word);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Chinese text in Simplified characters, so that Traditional and Simplified find each other.
pub(super) fn simplified(text: &str) -> String {
    fast2s::convert(text)
}

/// The pinyin of a Chinese name, spaced and joined ("xu jian ling xujianling"), so that a name can
/// be found typed in Latin letters either way.
pub(super) fn pinyin_forms(chinese: &str) -> String {
    use pinyin::ToPinyin;
    let syllables: Vec<&str> = chinese
        .to_pinyin()
        .flatten()
        .map(|syllable| syllable.plain())
        .collect();
    if syllables.is_empty() {
        String::new()
    } else {
        format!("{} {}", syllables.join(" "), syllables.concat())
    }
}
