//! Process-wide defaults that Node keeps in `lib/net.js`: whether connects use
//! Happy Eyeballs (`autoSelectFamily`) and how long each attempt may take.
//! The connect code reads them when a socket does not say otherwise.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::validate::{validate_boolean, validate_int32};
use crate::{Error, Value};

/// Node 24's default attempt timeout, in milliseconds.
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u32 = 250;
/// Node raises any smaller attempt timeout to this.
pub const MIN_ATTEMPT_TIMEOUT_MS: u32 = 10;

static AUTO_SELECT_FAMILY: AtomicBool = AtomicBool::new(true);
static ATTEMPT_TIMEOUT_MS: AtomicU32 = AtomicU32::new(DEFAULT_ATTEMPT_TIMEOUT_MS);

/// `net.getDefaultAutoSelectFamily()`.
pub fn default_auto_select_family() -> bool {
    AUTO_SELECT_FAMILY.load(Ordering::Relaxed)
}

/// `net.setDefaultAutoSelectFamily(value)`.
pub fn set_default_auto_select_family(value: &Value) -> Result<(), Error> {
    let v = validate_boolean(value, "value")?;
    AUTO_SELECT_FAMILY.store(v, Ordering::Relaxed);
    Ok(())
}

/// `net.getDefaultAutoSelectFamilyAttemptTimeout()`, in milliseconds.
pub fn default_auto_select_family_attempt_timeout() -> u32 {
    ATTEMPT_TIMEOUT_MS.load(Ordering::Relaxed)
}

/// Validates an attempt timeout as Node does (`validateInt32(v, name, 1)`)
/// and raises it to the 10 ms minimum.
pub fn attempt_timeout(value: &Value, name: &str) -> Result<u32, Error> {
    let v = validate_int32(value, name, 1, i32::MAX)? as u32;
    Ok(v.max(MIN_ATTEMPT_TIMEOUT_MS))
}

/// `net.setDefaultAutoSelectFamilyAttemptTimeout(value)`.
pub fn set_default_auto_select_family_attempt_timeout(value: &Value) -> Result<(), Error> {
    let v = attempt_timeout(value, "value")?;
    ATTEMPT_TIMEOUT_MS.store(v, Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_timeout_is_validated_and_floored() {
        assert_eq!(attempt_timeout(&Value::Int(5), "value"), Ok(10));
        assert_eq!(attempt_timeout(&Value::Int(100), "value"), Ok(100));
        assert_eq!(
            attempt_timeout(&Value::Int(0), "value")
                .unwrap_err()
                .to_string(),
            "The value of \"value\" is out of range. It must be >= 1 && <= 2147483647. Received 0"
        );
        assert_eq!(
            attempt_timeout(&Value::str("x"), "value")
                .unwrap_err()
                .to_string(),
            "The \"value\" argument must be of type number. Received type str ('x')"
        );
    }

    #[test]
    fn auto_select_family_takes_only_booleans() {
        let e = set_default_auto_select_family(&Value::str("x")).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_ARG_TYPE");
        assert!(default_auto_select_family());
    }
}
