#![cfg(test)]
//! End-to-end tests: they drive the real `stagegate` binary on real
//! artifacts, real plugins (built in, hostile, Python) and real policies.

mod ci_recipes;
mod cli;
mod formats;
mod html;
mod js;
mod plugin_cli;
mod policy_tests;
mod precompiled;
mod python;
mod records;
mod sandbox;
mod scaffold;
mod sdk_package;
mod secrets;
mod support;
mod trust;
