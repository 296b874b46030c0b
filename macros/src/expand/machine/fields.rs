//! The machine's struct: which bindings are fields (the rest are locals of one arm), one
//! range per `for` loop with a wait inside, and their names. Imports the checked tree.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::expand::plain::first_span;
use crate::internals::ast::{BindingId, BindingKind, Block, Delim, StmtKind};
use crate::internals::validate::Checked;

/// Where a binding lives in the machine.
#[derive(Clone)]
pub enum Slot {
    /// A plain field of the machine, initialised at setup: `self.i`, a `for` loop's variable.
    Field(Ident),
    /// A field holding a `let`'s value once the `let` runs (`__private::Binding`), and the
    /// local that re-borrows it where it is used (`let end = self.end.set(found);`): the
    /// user's code works on the place `(end).0`.
    Binding { field: Ident, local: Ident },
    /// A local of one arm: the variable of a `for` loop without a wait inside.
    Local,
}

/// A field of the generated struct.
pub struct Field {
    pub ident: Ident,
    pub ty: TokenStream,
    pub init: TokenStream,
    pub doc: String,
    /// Whether dropping the field drops anything (a `bool` expression): the user's type's
    /// `needs_drop` for a binding's slot, whose own `Drop` does nothing for a type without
    /// drop glue. A step function's machine sums these into `StepMachine::NEEDS_DROP`.
    pub drops: TokenStream,
}

/// The machine's fields, allocated in source order: `state`, `buf`, one per binding, one
/// `Range` per `for` loop with a wait inside (plus its variable), `written` if the scenario
/// writes. Names are the user's, numbered on repeats (`end`, `end_2`).
pub struct Slots {
    pub bindings: Vec<Slot>,
    /// The range field of each `for` loop with a wait inside, by the loop's ordinal.
    pub ranges: HashMap<usize, Ident>,
    pub fields: Vec<Field>,
    pub writes: bool,
    /// The length field of each `read_exact` whose length is computed, by the step's ordinal.
    pub lens: HashMap<usize, Ident>,
    /// The bytes a computed argument holds across a wait (a delimiter, or the unwritten rest
    /// of a reply), if any step has one.
    pub held: Option<Ident>,
    /// The sub-machine field of each step function's call, by the call's ordinal.
    pub calls: HashMap<usize, Ident>,
    pub taken: HashSet<String>,
}

impl Slots {
    pub fn allocate(checked: &Checked) -> Self {
        let scenario = &checked.scenario;
        let mut slots = Slots {
            bindings: vec![Slot::Local; scenario.bindings.len()],
            ranges: HashMap::new(),
            fields: Vec::new(),
            writes: false,
            lens: HashMap::new(),
            held: None,
            calls: HashMap::new(),
            taken: ["state", "buf", "written"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        // A step function's parameters first: they keep their names. Its return binding is
        // a local of `resume`: assigned where it returns, it never lives across a wait.
        for &param in scenario
            .params
            .iter()
            .filter(|&&id| Some(id) != scenario.ret)
        {
            slots.binding_field(checked, param);
        }
        slots.block(checked, &scenario.body);
        slots
    }

    pub fn name(&mut self, base: &str) -> Ident {
        let mut name = base.to_owned();
        let mut n = 1;
        while !self.taken.insert(name.clone()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        field_ident(&name)
    }

    pub fn binding_field(&mut self, checked: &Checked, id: BindingId) {
        let binding = &checked.scenario.bindings[id];
        let mut ident = self.name(&binding.ident.unraw().to_string());
        ident.set_span(binding.ident.span());
        let ty = &binding.ty;
        let (slot, ty, init) = match binding.kind {
            BindingKind::LoopVar => (Slot::Field(ident.clone()), ty.to_token_stream(), quote!(0)),
            _ => {
                let slot = Slot::Binding {
                    field: ident.clone(),
                    local: self.local(&ident),
                };
                // The drop flag's count, `needs_drop` as a number: no flag for plain data.
                let ty = quote_spanned! {first_span(ty)=>
                    ::twinbench::__private::Binding<
                        #ty,
                        { ::core::mem::needs_drop::<#ty>() as ::core::primitive::usize },
                    >
                };
                (slot, ty, quote!(::twinbench::__private::Binding::new()))
            }
        };
        let doc = match binding.kind {
            BindingKind::LoopVar => {
                format!("The variable of {}.", binding.source.describe())
            }
            _ => format!("From {}.", binding.source.describe()),
        };
        let user_ty = &binding.ty;
        self.fields.push(Field {
            ident,
            ty,
            init,
            doc,
            drops: quote!(::core::mem::needs_drop::<#user_ty>()),
        });
        self.bindings[id] = slot;
    }

    /// The name of the local that re-borrows the binding in `field`: the field's own name,
    /// unless it is one of the machine's internal locals ([`INTERNAL_LOCALS`]); mixed-site,
    /// so the user's own names never resolve to it.
    fn local(&mut self, field: &Ident) -> Ident {
        let name = field.unraw().to_string();
        let ident = if INTERNAL_LOCALS.contains(&name.as_str()) {
            self.name(&format!("{name}_binding"))
        } else {
            field.clone()
        };
        let mut ident = ident;
        ident.set_span(Span::mixed_site());
        ident
    }

    /// The one `held` field, shared by every step with a computed argument (only one step
    /// waits at a time). Empty except while such a step waits.
    fn held_field(&mut self) {
        if self.held.is_some() {
            return;
        }
        let ident = self.name("held");
        self.fields.push(Field {
            ident: ident.clone(),
            ty: quote!(::std::vec::Vec<u8>),
            init: quote!(::std::vec::Vec::new()),
            drops: quote!(true),
            doc: "What a computed step argument holds across a wait: the delimiter, or the \
                  unwritten rest of a reply whose write would block (the machine cannot name \
                  the argument's own type). Empty at other times."
                .to_owned(),
        });
        self.held = Some(ident);
    }

    pub fn block(&mut self, checked: &Checked, block: &Block) {
        for stmt in &block.stmts {
            match &stmt.kind {
                StmtKind::Let { bind: id, .. } | StmtKind::NextRequest { bind: Some(id) } => {
                    self.binding_field(checked, *id)
                }
                StmtKind::Write { bytes } => {
                    self.writes = true;
                    if bytes.computed {
                        self.held_field();
                    }
                }
                StmtKind::ReadUntil { delim, bind, .. } => {
                    if matches!(delim, Delim::Expr(delim) if delim.computed) {
                        self.held_field();
                    }
                    if let Some(id) = bind {
                        self.binding_field(checked, *id);
                    }
                }
                StmtKind::Call { callee, bind, .. } => {
                    let ident = self.name(&callee.unraw().to_string());
                    // Not `needs_drop` of the machine, which is true of any machine (its
                    // slots have a `Drop`): what its fields' values need, so that a machine
                    // of plain data is written in place, as a plain field is.
                    let needs_drop = quote_spanned! {callee.span()=>
                        <<#callee as ::twinbench::Step>::Machine as ::twinbench::StepMachine>::NEEDS_DROP
                    };
                    let doc = format!(
                        "The sub-machine of {}, while it waits in the call.",
                        stmt.source.describe()
                    );
                    self.fields.push(Field {
                        ident: ident.clone(),
                        // A slot like a binding's: empty until the call begins (no
                        // `Default` needed of the sub-machine), dropped with the machine.
                        ty: quote_spanned! {callee.span()=>
                            ::twinbench::__private::Binding<
                                <#callee as ::twinbench::Step>::Machine,
                                { #needs_drop as ::core::primitive::usize },
                            >
                        },
                        init: quote!(::twinbench::__private::Binding::new()),
                        doc,
                        drops: quote!(#needs_drop),
                    });
                    self.calls.insert(stmt.source.ordinal, ident);
                    if let Some(id) = bind {
                        self.binding_field(checked, *id);
                    }
                }
                StmtKind::ReadExact { len } if len.computed => {
                    let ident = self.name("len");
                    let doc = format!(
                        "The length {} waits for, evaluated where the step begins.",
                        stmt.source.describe()
                    );
                    self.fields.push(Field {
                        ident: ident.clone(),
                        ty: quote!(usize),
                        init: quote!(0),
                        doc,
                        drops: quote!(false),
                    });
                    self.lens.insert(stmt.source.ordinal, ident);
                }
                StmtKind::If { arms, otherwise } => {
                    for arm in arms {
                        self.block(checked, &arm.body);
                    }
                    if let Some(otherwise) = otherwise {
                        self.block(checked, otherwise);
                    }
                }
                StmtKind::While { body, .. } | StmtKind::Loop { body, .. } => {
                    self.block(checked, body)
                }
                StmtKind::For {
                    var, range, body, ..
                } => {
                    if stmt.waits {
                        let ident = self.name("range");
                        let (ty, init) = if range.inclusive {
                            (
                                quote!(::core::ops::RangeInclusive<usize>),
                                quote!(::core::ops::RangeInclusive::new(1, 0)),
                            )
                        } else {
                            (quote!(::core::ops::Range<usize>), quote!(0..0))
                        };
                        let doc = format!("The iterations left of {}.", stmt.source.describe());
                        self.fields.push(Field {
                            ident: ident.clone(),
                            ty,
                            init,
                            doc,
                            drops: quote!(false),
                        });
                        self.ranges.insert(stmt.source.ordinal, ident);
                        if let Some(var) = var {
                            self.binding_field(checked, *var);
                        }
                    }
                    self.block(checked, body);
                }
                StmtKind::Block(block) => self.block(checked, block),
                StmtKind::Match { arms, .. } => {
                    for arm in arms {
                        self.block(checked, &arm.body);
                    }
                }
                StmtKind::ReadExact { .. }
                | StmtKind::Consume { .. }
                | StmtKind::YieldNow
                | StmtKind::NextRequest { bind: None }
                | StmtKind::Compute { .. }
                | StmtKind::Break(_)
                | StmtKind::Continue(_)
                | StmtKind::Return => {}
            }
        }
    }
}

/// The names of the internal locals of `resume` ([`Idents`](crate::expand::plain::Idents)),
/// which a binding's local must not shadow.
const INTERNAL_LOCALS: [&str; 9] = [
    "io", "buf", "n", "found", "bytes", "written", "delim", "len", "value",
];

/// A field named `name`: raw if it is a keyword (`r#type`).
pub fn field_ident(name: &str) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, Span::call_site())
    } else if matches!(name, "self" | "Self" | "super" | "crate" | "_") {
        // Cannot be raw either (and the front end rejects them as binding names).
        Ident::new(&format!("{name}_field"), Span::call_site())
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}
