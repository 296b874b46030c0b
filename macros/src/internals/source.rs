//! Where a scenario statement came from, in words: its source text and line, for the docs on
//! the generated states and fields (`cargo expand` is read by people); and names that none of
//! the user's tokens is ([`fresh_name`]). Imports nothing of this crate.

use proc_macro2::{Delimiter, LineColumn, Span, TokenStream, TokenTree};

/// A statement's place in the scenario, kept on every node of the tree.
#[derive(Clone)]
pub struct Source {
    /// The statement as written (compound statements: their header, like `for _ in 0..4`).
    pub text: String,
    /// 1-based line in the file, when the compiler reports it.
    pub line: Option<usize>,
    /// The first token's span, for errors that point at the statement as a whole.
    pub span: Span,
    /// Position in a pre-order walk of the scenario: generated states are listed in this order.
    pub ordinal: usize,
}

impl Source {
    pub fn new(tokens: TokenStream, ordinal: usize) -> Self {
        let span = tokens
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span());
        let line = Some(span.start().line).filter(|&line| line > 0);
        Source {
            text: render(tokens),
            line,
            span,
            ordinal,
        }
    }

    /// A statement whose words are not its tokens (a bare block: `{ … }`).
    pub fn with_text(text: String, span: Span, ordinal: usize) -> Self {
        let line = Some(span.start().line).filter(|&line| line > 0);
        Source {
            text,
            line,
            span,
            ordinal,
        }
    }

    /// "`write(&buf[..end])` (line 4)", or without the line when it is unknown.
    pub fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("`{}` (line {line})", self.text),
            None => format!("`{}`", self.text),
        }
    }
}

/// `base`, lengthened with `_` until no identifier in `tokens` starts with it: a name no user
/// token can be, so it is hygienic by construction (the marker is matched by text).
pub fn fresh_name(base: &str, tokens: TokenStream) -> String {
    fn idents(tokens: TokenStream, out: &mut Vec<String>) {
        for token in tokens {
            match token {
                TokenTree::Ident(ident) => {
                    out.push(ident.to_string().trim_start_matches("r#").to_owned())
                }
                TokenTree::Group(group) => idents(group.stream(), out),
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
    let mut names = Vec::new();
    idents(tokens, &mut names);
    let mut prefix = base.to_owned();
    while names.iter().any(|name| name.starts_with(&prefix)) {
        prefix.push('_');
    }
    prefix
}

/// Renders tokens as they were written: spacing comes from the tokens' columns (line breaks
/// become one space), falling back to a space between two words when positions are unknown.
pub fn render(tokens: TokenStream) -> String {
    let mut renderer = Renderer {
        out: String::new(),
        prev: None,
    };
    renderer.stream(tokens);
    renderer.out
}

struct Renderer {
    out: String,
    /// End of the previous token, and whether it was a word (ident or literal).
    prev: Option<(LineColumn, bool)>,
}

impl Renderer {
    fn stream(&mut self, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::None => ("", ""),
                    };
                    self.token(open, group.span_open(), false);
                    self.stream(group.stream());
                    self.token(close, group.span_close(), false);
                }
                TokenTree::Ident(ident) => self.token(&ident.to_string(), ident.span(), true),
                TokenTree::Literal(lit) => self.token(&lit.to_string(), lit.span(), true),
                TokenTree::Punct(punct) => self.token(
                    punct.as_char().encode_utf8(&mut [0; 4]),
                    punct.span(),
                    false,
                ),
            }
        }
    }

    fn token(&mut self, text: &str, span: Span, word: bool) {
        if text.is_empty() {
            return;
        }
        let (start, end) = (span.start(), span.end());
        if let Some((prev_end, prev_word)) = self.prev {
            let known = start.line > 0 && prev_end.line > 0;
            let space = if known && start.line == prev_end.line && start.column >= prev_end.column {
                start.column > prev_end.column
            } else if known && start.line > prev_end.line {
                true
            } else {
                prev_word && word
            };
            if space {
                self.out.push(' ');
            }
        }
        self.out.push_str(text);
        self.prev = Some((end, word));
    }
}
