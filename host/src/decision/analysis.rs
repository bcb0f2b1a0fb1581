//! `validate --symbolic`: what Cedar's symbolic compiler (`cedar-policy-symcc`,
//! verified in Lean) can prove about the policies with the cvc5 solver:
//! policies that can never fire for any facts, and policies shadowed by
//! another of the same effect (whenever one matches, the other does too, so
//! it never decides alone).

use cedar_policy::{Policy, PolicySet, Schema};
use cedar_policy_symcc::solver::LocalSolver;
use cedar_policy_symcc::{CedarSymCompiler, CompiledPolicy};

/// Why the analysis could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// No solver to run.
    #[error(
        "the symbolic analysis needs the cvc5 solver (1.0.3 or later): apt-get install cvc5, or set CVC5 to its path ({0})"
    )]
    Solver(String),
    /// The compiler or the solver failed.
    #[error("symbolic analysis of policy `{policy}` failed: {message}")]
    Failed {
        /// The policy.
        policy: String,
        /// What failed.
        message: String,
    },
}

/// One finding of the analysis, as a warning line.
pub type Warning = String;

fn failed(policy: &Policy, e: impl std::fmt::Display) -> AnalysisError {
    AnalysisError::Failed {
        policy: policy.id().to_string(),
        message: e.to_string(),
    }
}

/// Checks `ids` (the user's policies in `set`) against `schema`.
pub fn analyse(
    schema: &Schema,
    set: &PolicySet,
    ids: &[&str],
) -> Result<Vec<Warning>, AnalysisError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AnalysisError::Solver(e.to_string()))?;
    runtime.block_on(analyse_async(schema, set, ids))
}

async fn analyse_async(
    schema: &Schema,
    set: &PolicySet,
    ids: &[&str],
) -> Result<Vec<Warning>, AnalysisError> {
    let solver = LocalSolver::cvc5().map_err(|e| AnalysisError::Solver(e.to_string()))?;
    let mut compiler =
        CedarSymCompiler::new(solver).map_err(|e| AnalysisError::Solver(e.to_string()))?;
    let policies: Vec<&Policy> = set
        .policies()
        .filter(|p| ids.contains(&p.id().to_string().as_str()))
        .collect();
    let envs: Vec<_> = schema.request_envs().collect();
    let mut never: Vec<bool> = vec![true; policies.len()];
    // shadowed[a][b]: whenever `a` matches, `b` matches, in every request shape.
    let mut shadowed: Vec<Vec<bool>> = vec![vec![true; policies.len()]; policies.len()];
    for env in &envs {
        let mut compiled = Vec::with_capacity(policies.len());
        for policy in &policies {
            compiled
                .push(CompiledPolicy::compile(policy, env, schema).map_err(|e| failed(policy, e))?);
        }
        for (a, (policy, cp)) in policies.iter().zip(&compiled).enumerate() {
            let never_here = compiler
                .check_never_matches_opt(cp)
                .await
                .map_err(|e| failed(policy, e))?;
            if let Some(slot) = never.get_mut(a) {
                *slot &= never_here;
            }
            if never_here {
                continue;
            }
            for (b, (other, other_cp)) in policies.iter().zip(&compiled).enumerate() {
                if a == b || policy.effect() != other.effect() {
                    if let Some(slot) = shadowed.get_mut(a).and_then(|row| row.get_mut(b)) {
                        *slot = false;
                    }
                    continue;
                }
                let implied = compiler
                    .check_matches_implies_opt(cp, other_cp)
                    .await
                    .map_err(|e| failed(policy, e))?;
                if let Some(slot) = shadowed.get_mut(a).and_then(|row| row.get_mut(b)) {
                    *slot &= implied;
                }
            }
        }
    }
    let mut warnings = Vec::new();
    for (a, policy) in policies.iter().enumerate() {
        if never.get(a).copied().unwrap_or(false) {
            warnings.push(format!(
                "policy `{}` can never fire: no facts satisfy its conditions",
                policy.id()
            ));
            continue;
        }
        for (b, other) in policies.iter().enumerate() {
            let both = shadowed
                .get(a)
                .and_then(|r| r.get(b))
                .copied()
                .unwrap_or(false)
                && shadowed
                    .get(b)
                    .and_then(|r| r.get(a))
                    .copied()
                    .unwrap_or(false);
            let one_way = shadowed
                .get(a)
                .and_then(|r| r.get(b))
                .copied()
                .unwrap_or(false);
            // Equivalent pairs are named once, by the first of the two.
            if a != b && one_way && !(both && b < a) && !never.get(b).copied().unwrap_or(true) {
                warnings.push(format!(
                    "policy `{}` is shadowed by `{}`: whenever it matches, `{}` matches too",
                    policy.id(),
                    other.id(),
                    other.id()
                ));
            }
        }
    }
    Ok(warnings)
}
