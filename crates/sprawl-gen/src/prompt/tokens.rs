//! Splitting a prompt into lowercase words, numbers and clock times.
//!
//! Words are runs of letters (accents folded to ASCII where common), so
//! hyphens and punctuation separate words (`red-roofed` → `red roofed`).
//! Sentence punctuation (`, . ; : ! ?` and brackets, dashes, new lines)
//! also ends a *clause*, which bounds how far negations, colours and
//! directions reach.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TokKind {
    /// A word of letters.
    Word,
    /// A number, written in digits or words.
    Num(f64),
    /// A clock time `HH:MM`, in hours.
    Clock(f32),
}

/// One token of the prompt.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    /// Lowercase text (digits for numbers).
    pub text: String,
    /// Word, number or clock time.
    pub kind: TokKind,
    /// Index of the clause the token belongs to.
    pub clause: u32,
    /// Whether the word carries no meaning of its own (`the`, `with`, …).
    pub stop: bool,
}

/// Words that never carry meaning on their own; they are skipped when
/// matching phrases and never reported as unused.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "across",
    "against",
    "all",
    "along",
    "alongside",
    "also",
    "although",
    "always",
    "am",
    "amid",
    "amidst",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anything",
    "are",
    "area",
    "as",
    "at",
    "be",
    "been",
    "behind",
    "being",
    "below",
    "beneath",
    "beside",
    "besides",
    "between",
    "beyond",
    "both",
    "build",
    "built",
    "bunch",
    "but",
    "by",
    "can",
    "containing",
    "contains",
    "could",
    "create",
    "depict",
    "did",
    "do",
    "does",
    "down",
    "during",
    "each",
    "either",
    "envision",
    "etc",
    "even",
    "ever",
    "every",
    "everything",
    "features",
    "featuring",
    "feel",
    "feeling",
    "feels",
    "for",
    "from",
    "generate",
    "get",
    "give",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "his",
    "how",
    "however",
    "i",
    "id",
    "if",
    "im",
    "image",
    "imagine",
    "in",
    "include",
    "includes",
    "including",
    "inside",
    "into",
    "is",
    "it",
    "its",
    "ive",
    "just",
    "kind",
    "let",
    "lets",
    "like",
    "located",
    "look",
    "looking",
    "looks",
    "lot",
    "made",
    "make",
    "makes",
    "making",
    "maybe",
    "me",
    "mood",
    "most",
    "much",
    "my",
    "near",
    "nearby",
    "need",
    "needs",
    "neither",
    "next",
    "of",
    "off",
    "often",
    "on",
    "ones",
    "only",
    "onto",
    "or",
    "other",
    "others",
    "our",
    "out",
    "outside",
    "over",
    "own",
    "part",
    "past",
    "perhaps",
    "picture",
    "place",
    "please",
    "plus",
    "probably",
    "quite",
    "rather",
    "render",
    "same",
    "scene",
    "set",
    "setting",
    "several",
    "she",
    "should",
    "show",
    "showing",
    "shows",
    "side",
    "sides",
    "sits",
    "sitting",
    "situated",
    "so",
    "some",
    "something",
    "sometimes",
    "somewhere",
    "sort",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "though",
    "throughout",
    "to",
    "too",
    "toward",
    "towards",
    "type",
    "under",
    "underneath",
    "up",
    "upon",
    "us",
    "various",
    "via",
    "vibe",
    "vibes",
    "view",
    "want",
    "wanted",
    "was",
    "way",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whose",
    "why",
    "will",
    "wish",
    "with",
    "within",
    "world",
    "would",
    "yet",
    "you",
    "your",
    "youre",
];

/// Number words and their values.
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("hundred", 100.0),
];

/// Whether `word` (lowercase) is a stop word.
pub(super) fn is_stop_word(word: &str) -> bool {
    word.chars().count() == 1 && word.chars().all(char::is_alphabetic)
        || STOP_WORDS.binary_search(&word).is_ok()
}

/// Characters that end a clause.
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '\n'
            | '\r'
            | '—'
            | '–'
            | '…'
            | '|'
            | '•'
    )
}

/// Apostrophes that may sit inside a word (`don't`, `city's`).
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘')
}

/// Lowercases `text` and folds common accented Latin letters to ASCII.
fn fold(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        for l in c.to_lowercase() {
            let ascii: &str = match l {
                'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => "a",
                'ç' | 'ć' | 'č' => "c",
                'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => "e",
                'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
                'ñ' | 'ń' => "n",
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => "o",
                'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
                'ý' | 'ÿ' => "y",
                'ś' | 'š' => "s",
                'ź' | 'ż' | 'ž' => "z",
                'ł' => "l",
                'œ' => "oe",
                'æ' => "ae",
                'ß' => "ss",
                _ => {
                    out.push(l);
                    continue;
                }
            };
            out.extend(ascii.chars());
        }
    }
    out
}

/// Splits `text` into tokens. Never fails; characters that are neither
/// letters, ASCII digits nor punctuation (emoji, symbols) only separate.
pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let chars = fold(text);
    let mut tokens: Vec<Token> = Vec::new();
    let mut clause = 0u32;
    let mut i = 0;
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() {
            let mut word = String::new();
            while i < chars.len() {
                let c = chars[i];
                if c.is_alphabetic() {
                    word.push(c);
                } else if is_apostrophe(c) && chars.get(i + 1).is_some_and(|n| n.is_alphabetic()) {
                    // Possessive `'s` at the end of a word is dropped.
                    let possessive = chars.get(i + 1) == Some(&'s')
                        && !chars.get(i + 2).is_some_and(|n| n.is_alphabetic());
                    if possessive {
                        i += 2;
                        break;
                    }
                } else {
                    break;
                }
                i += 1;
            }
            push_word(&mut tokens, word, clause);
        } else if c.is_ascii_digit() {
            let start = i;
            while digit(i) {
                i += 1;
            }
            let whole: String = chars[start..i].iter().collect();
            if chars.get(i) == Some(&':') && digit(i + 1) && digit(i + 2) && !digit(i + 3) {
                let minutes: String = chars[i + 1..i + 3].iter().collect();
                i += 3;
                let h: f32 = whole.parse().unwrap_or(f32::INFINITY);
                let m: f32 = minutes.parse().unwrap_or(0.0);
                let text = format!("{whole}:{minutes}");
                tokens.push(Token {
                    text,
                    kind: TokKind::Clock(h + m / 60.0),
                    clause,
                    stop: false,
                });
                continue;
            }
            let mut text = whole;
            if chars.get(i) == Some(&'.') && digit(i + 1) {
                text.push('.');
                i += 1;
                while digit(i) {
                    text.push(chars[i]);
                    i += 1;
                }
            }
            let value: f64 = text.parse().unwrap_or(f64::INFINITY);
            tokens.push(Token {
                text,
                kind: TokKind::Num(value),
                clause,
                stop: false,
            });
        } else {
            if ends_clause(c) && tokens.last().is_some_and(|t| t.clause == clause) {
                clause += 1;
            }
            i += 1;
        }
    }
    tokens
}

/// Appends a word token, turning number words into numbers and merging
/// `forty two` → 42 and `two hundred` → 200.
fn push_word(tokens: &mut Vec<Token>, word: String, clause: u32) {
    if word.is_empty() {
        return;
    }
    if (word == "am" || word == "pm")
        && let Some(prev) = tokens.last_mut()
        && prev.clause == clause
        && let Some(hours) = clock_of(prev, word == "pm")
    {
        prev.kind = TokKind::Clock(hours);
        prev.text.push(' ');
        prev.text.push_str(&word);
        return;
    }
    let value = NUMBER_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, v)| *v);
    if let Some(v) = value {
        if let Some(prev) = tokens.last_mut()
            && prev.clause == clause
            && prev.text.chars().all(char::is_alphabetic)
            && let TokKind::Num(p) = prev.kind
        {
            let merged = if v == 100.0 && p < 10.0 {
                Some(p * 100.0)
            } else if v < 10.0 && (20.0..100.0).contains(&p) && p % 10.0 == 0.0 {
                Some(p + v)
            } else {
                None
            };
            if let Some(m) = merged {
                prev.kind = TokKind::Num(m);
                prev.text.push(' ');
                prev.text.push_str(&word);
                return;
            }
        }
        tokens.push(Token {
            text: word,
            kind: TokKind::Num(v),
            clause,
            stop: false,
        });
        return;
    }
    let stop = is_stop_word(&word);
    tokens.push(Token {
        text: word,
        kind: TokKind::Word,
        clause,
        stop,
    });
}

/// The time of `6 pm`, `6.30 am`, `twelve pm` from the number token before
/// `am`/`pm`, if it is a valid 12-hour time.
fn clock_of(number: &Token, pm: bool) -> Option<f32> {
    let TokKind::Num(v) = number.kind else {
        return None;
    };
    let (hours, minutes) = match number.text.split_once('.') {
        Some((h, m)) if m.len() == 2 => (h.parse::<f32>().ok()?, m.parse::<f32>().ok()?),
        Some(_) => return None,
        None => (v as f32, 0.0),
    };
    if !(1.0..=12.0).contains(&hours) || hours.fract() != 0.0 || minutes >= 60.0 {
        return None;
    }
    Some(hours % 12.0 + if pm { 12.0 } else { 0.0 } + minutes / 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(
            STOP_WORDS.windows(2).all(|w| w[0] < w[1]),
            "STOP_WORDS must be sorted and unique"
        );
    }

    #[test]
    fn splits_words_numbers_and_clauses() {
        assert_eq!(
            words("Red-roofed HOUSES, don't"),
            ["red", "roofed", "houses", "dont"]
        );
        assert_eq!(words("the city's café"), ["the", "city", "cafe"]);
        assert_eq!(words("60-storey 6pm 2.5"), ["60", "storey", "6 pm", "2.5"]);
        let t = tokenize("at 18:30, forty two floors; two hundred");
        assert_eq!(t[1].kind, TokKind::Clock(18.5));
        assert_eq!(t[2].kind, TokKind::Num(42.0));
        assert_eq!(t[2].clause, 1);
        assert_eq!(t[4].kind, TokKind::Num(200.0));
        assert_eq!(t[4].clause, 2);
        assert!(t[0].stop);
        let t = tokenize("6pm, 6.30 am, 12am, 13pm");
        assert_eq!(t[0].kind, TokKind::Clock(18.0));
        assert_eq!(t[1].kind, TokKind::Clock(6.5));
        assert_eq!(t[2].kind, TokKind::Clock(0.0));
        assert_eq!(t[3].kind, TokKind::Num(13.0));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "🐉🐉",
            "'''",
            "s's",
            "9:",
            "12:345",
            "..1",
            "ǅǈ",
            "İstanbul",
            "1e999",
        ] {
            let _ = tokenize(s);
        }
    }
}
