//! The limit-free model of defined types: value types, fields, composite
//! types, subtypes and recursion groups.

/// Where a heap type points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Heap {
    /// `func`, `extern`, `any`, ... by their one-byte code, possibly `shared`.
    Abstract { shared: bool, code: u8 },
    /// A type index.
    Concrete(u32),
    /// `exact $t` (custom descriptors).
    Exact(u32),
}

/// A value type (or a packed storage type, for struct and array fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref {
        nullable: bool,
        heap: Heap,
    },
    /// Packed field storage: only inside struct and array types.
    I8,
    I16,
}

/// A field of a struct or the element of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub storage: ValType,
    pub mutable: bool,
}

/// The shape of a defined type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Composite {
    Func {
        params: Vec<ValType>,
        results: Vec<ValType>,
    },
    Struct(Vec<Field>),
    Array(Field),
    Cont(u32),
}

/// One defined type with its subtyping and proposal prefixes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubType {
    /// Written with an explicit `sub`/`sub final` prefix.
    pub explicit_sub: bool,
    pub is_final: bool,
    pub supertype: Option<u32>,
    pub shared: bool,
    pub describes: Option<u32>,
    pub descriptor: Option<u32>,
    pub composite: Composite,
}

impl SubType {
    /// A plain final function type, as `(type (func ...))` writes it.
    pub fn func(params: Vec<ValType>, results: Vec<ValType>) -> SubType {
        SubType {
            explicit_sub: false,
            is_final: true,
            supertype: None,
            shared: false,
            describes: None,
            descriptor: None,
            composite: Composite::Func { params, results },
        }
    }

    /// Parameters and results, if this is a function type.
    pub fn as_func(&self) -> Option<(&[ValType], &[ValType])> {
        match &self.composite {
            Composite::Func { params, results } => Some((params, results)),
            _ => None,
        }
    }
}

/// A recursion group: one or more types defined together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecGroup {
    /// Written with the `rec` prefix (a group of one may be explicit too).
    pub explicit: bool,
    pub types: Vec<SubType>,
}
