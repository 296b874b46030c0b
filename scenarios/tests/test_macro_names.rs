//! The names the macro writes and reads cannot be confused with the user's (issue 18.6): an
//! identifier valid by Unicode's XID rules is a valid scenario name, a user item named like the
//! macro's internal placeholders is the user's item, and two scenarios of one module never
//! collide on a generated name. Each scenario passes the differential harness.

mod support;

use support::check;
use twinbench::prelude::*;

/// `_` then U+064B (ARABIC FATHATAN, a combining mark: `XID_Continue`, not `XID_Start`) is a
/// valid fn name; the macro used to panic on it ("is not a valid identifier").
#[allow(non_snake_case)]
#[scenario(connections = 3, buffer = 16, client(send = b"x\n", expect = b"x\n"))]
pub fn _ً() {
    let end: usize = read_until(b'\n');
    write(&buf[..end]);
}

#[test]
fn a_name_that_starts_with_a_combining_mark_after_the_underscore() {
    check(&_ً());
    assert_eq!(twinbench::Scenario::name(&_ً()), "_ً");
}

/// A user constant named like the macro's placeholder for the first use of `buf` or a binding
/// in an expression: it was silently replaced by that use (`buf`, here), so the reply was the
/// request's first byte instead of `b'7'`.
#[allow(non_upper_case_globals)]
const __twinbench_hole_1: usize = 7;

#[scenario(connections = 3, buffer = 16, client(send = b"x\n", expect = b"7"))]
pub fn placeholder_named_const() {
    let end: usize = read_until(b'\n');
    write(&[buf[end - 2] - b'x' + b'0' + __twinbench_hole_1 as u8]);
}

#[test]
fn a_user_item_named_like_a_placeholder_is_the_users() {
    check(&placeholder_named_const());
}

/// A user constant named like the hidden binding of `while next_request()`.
#[allow(non_upper_case_globals)]
const __twinbench_open: u8 = b'!';

#[scenario(
    connections = 3,
    buffer = 16,
    client(exchanges = [(b"a\n", b"a!"), (b"b\n", b"b!")])
)]
pub fn hidden_binding_named_const() {
    while next_request() {
        let end: usize = read_until(b'\n');
        write(&[buf[0], __twinbench_open]);
        consume(end);
    }
}

#[test]
fn a_user_item_named_like_the_hidden_binding_is_the_users() {
    check(&hidden_binding_named_const());
}

/// `lookup`'s state enum and `lookup_state`'s scenario type were both `LookupState`: six errors
/// on the attribute lines. Each scenario's machine and states now live in a block of their own.
mod one_module {
    use twinbench::prelude::*;

    #[scenario(connections = 3, buffer = 16, client(send = b"k\n", expect = b"v\n"))]
    pub fn lookup() {
        read_until(b'\n');
        write(b"v\n");
    }

    #[scenario(connections = 3, buffer = 16, client(send = b"k\n", expect = b"s\n"))]
    pub fn lookup_state() {
        read_until(b'\n');
        write(b"s\n");
    }

    #[scenario(connections = 3, buffer = 16, client(send = b"k\n", expect = b"m\n"))]
    pub fn lookup_machine() {
        read_until(b'\n');
        write(b"m\n");
    }
}

#[test]
fn scenarios_whose_generated_names_used_to_collide_share_a_module() {
    check(&one_module::lookup());
    check(&one_module::lookup_state());
    check(&one_module::lookup_machine());
}
