//! The change being promoted, from the CI system's own variables: GitHub
//! Actions, GitLab CI, Jenkins, Azure Pipelines, CircleCI and Buildkite.
//!
//! A CI system is recognised by the variable it always sets (`GITHUB_ACTIONS`,
//! `GITLAB_CI`, …); failing that, by its commit variable. Its run URL is built
//! the way its web UI links a run. Values are CI-controlled text: they are
//! untrusted and pass the report writer like everything else.

use stagegate::decision::Change;

/// Reads one variable (empty values already filtered out).
type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One CI system: how it is recognised and where it keeps each value.
struct Ci {
    name: &'static str,
    marker: &'static str,
    commit: &'static [&'static str],
    branch: &'static [&'static str],
    author: &'static [&'static str],
    run_url: fn(Get<'_>) -> Option<String>,
}

const SYSTEMS: &[Ci] = &[
    Ci {
        name: "github",
        marker: "GITHUB_ACTIONS",
        commit: &["GITHUB_SHA"],
        branch: &["GITHUB_HEAD_REF", "GITHUB_REF_NAME"],
        author: &["GITHUB_ACTOR"],
        run_url: |get| {
            let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
            let url = format!(
                "{}/{}/actions/runs/{}",
                server.trim_end_matches('/'),
                get("GITHUB_REPOSITORY")?,
                get("GITHUB_RUN_ID")?
            );
            Some(match get("GITHUB_RUN_ATTEMPT") {
                Some(attempt) => format!("{url}/attempts/{attempt}"),
                None => url,
            })
        },
    },
    Ci {
        name: "gitlab",
        marker: "GITLAB_CI",
        commit: &["CI_COMMIT_SHA"],
        branch: &["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_REF_NAME"],
        author: &["GITLAB_USER_LOGIN"],
        run_url: |get| get("CI_JOB_URL").or_else(|| get("CI_PIPELINE_URL")),
    },
    Ci {
        name: "jenkins",
        marker: "JENKINS_URL",
        commit: &["GIT_COMMIT"],
        branch: &["CHANGE_BRANCH", "BRANCH_NAME", "GIT_BRANCH"],
        author: &["CHANGE_AUTHOR", "GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"],
        run_url: |get| get("BUILD_URL"),
    },
    Ci {
        name: "azure",
        marker: "TF_BUILD",
        commit: &["BUILD_SOURCEVERSION"],
        branch: &[
            "SYSTEM_PULLREQUEST_SOURCEBRANCH",
            "BUILD_SOURCEBRANCH",
            "BUILD_SOURCEBRANCHNAME",
        ],
        author: &["BUILD_REQUESTEDFOR"],
        run_url: |get| {
            Some(format!(
                "{}{}/_build/results?buildId={}",
                get("SYSTEM_COLLECTIONURI")?,
                get("SYSTEM_TEAMPROJECT")?,
                get("BUILD_BUILDID")?
            ))
        },
    },
    Ci {
        name: "circleci",
        marker: "CIRCLECI",
        commit: &["CIRCLE_SHA1"],
        branch: &["CIRCLE_BRANCH"],
        author: &["CIRCLE_USERNAME"],
        run_url: |get| get("CIRCLE_BUILD_URL"),
    },
    Ci {
        name: "buildkite",
        marker: "BUILDKITE",
        commit: &["BUILDKITE_COMMIT"],
        branch: &["BUILDKITE_BRANCH"],
        author: &["BUILDKITE_BUILD_AUTHOR", "BUILDKITE_BUILD_CREATOR"],
        run_url: |get| get("BUILDKITE_BUILD_URL"),
    },
];

/// The change as the CI variables read by `get` describe it (empty fields
/// where the CI gives nothing, or when no CI is recognised).
pub fn change(get: Get<'_>) -> Change {
    let get = |name: &str| get(name).filter(|v| !v.is_empty());
    let system = SYSTEMS
        .iter()
        .find(|ci| get(ci.marker).is_some())
        .or_else(|| {
            SYSTEMS
                .iter()
                .find(|ci| ci.commit.iter().any(|v| get(v).is_some()))
        });
    let Some(ci) = system else {
        return Change::default();
    };
    let first = |names: &[&str]| names.iter().find_map(|n| get(n)).unwrap_or_default();
    Change {
        commit: first(ci.commit),
        branch: short_branch(&first(ci.branch)),
        author: first(ci.author),
        run_url: (ci.run_url)(&get).unwrap_or_default(),
        ci: ci.name.to_owned(),
    }
}

/// The change from the process environment.
pub fn from_process() -> Change {
    change(&|name| std::env::var(name).ok())
}

/// A branch without the `refs/heads/` or `origin/` that some CIs prefix.
fn short_branch(branch: &str) -> String {
    branch
        .strip_prefix("refs/heads/")
        .or_else(|| branch.strip_prefix("origin/"))
        .unwrap_or(branch)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Change {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        change(&move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    fn expect(change: &Change, ci: &str, commit: &str, branch: &str, author: &str, url: &str) {
        assert_eq!(
            (
                change.ci.as_str(),
                change.commit.as_str(),
                change.branch.as_str(),
                change.author.as_str(),
                change.run_url.as_str()
            ),
            (ci, commit, branch, author, url)
        );
    }

    #[test]
    fn github_actions_pull_request() {
        let c = from(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", "6f1e3c2"),
            ("GITHUB_HEAD_REF", "feature/x"),
            ("GITHUB_REF_NAME", "42/merge"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_RUN_ID", "9876543210"),
            ("GITHUB_RUN_ATTEMPT", "2"),
        ]);
        expect(
            &c,
            "github",
            "6f1e3c2",
            "feature/x",
            "octocat",
            "https://github.com/acme/shop/actions/runs/9876543210/attempts/2",
        );
    }

    #[test]
    fn github_push_without_a_head_ref() {
        let c = from(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", "abc"),
            ("GITHUB_HEAD_REF", ""),
            ("GITHUB_REF_NAME", "main"),
        ]);
        expect(&c, "github", "abc", "main", "", "");
    }

    #[test]
    fn gitlab_ci() {
        let c = from(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_SHA", "1234abcd"),
            ("CI_COMMIT_REF_NAME", "main"),
            ("GITLAB_USER_LOGIN", "dev1"),
            (
                "CI_PIPELINE_URL",
                "https://gitlab.com/acme/shop/-/pipelines/77",
            ),
            ("CI_JOB_URL", "https://gitlab.com/acme/shop/-/jobs/501"),
        ]);
        expect(
            &c,
            "gitlab",
            "1234abcd",
            "main",
            "dev1",
            "https://gitlab.com/acme/shop/-/jobs/501",
        );
    }

    #[test]
    fn jenkins() {
        let c = from(&[
            ("JENKINS_URL", "https://ci.acme.example/"),
            ("GIT_COMMIT", "deadbeef"),
            ("GIT_BRANCH", "origin/release"),
            ("BUILD_URL", "https://ci.acme.example/job/shop/12/"),
        ]);
        expect(
            &c,
            "jenkins",
            "deadbeef",
            "release",
            "",
            "https://ci.acme.example/job/shop/12/",
        );
    }

    #[test]
    fn azure_pipelines() {
        let c = from(&[
            ("TF_BUILD", "True"),
            ("BUILD_SOURCEVERSION", "cafe01"),
            ("BUILD_SOURCEBRANCH", "refs/heads/main"),
            ("BUILD_SOURCEBRANCHNAME", "main"),
            ("BUILD_REQUESTEDFOR", "Jane Doe"),
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
            ("SYSTEM_TEAMPROJECT", "shop"),
            ("BUILD_BUILDID", "314"),
        ]);
        expect(
            &c,
            "azure",
            "cafe01",
            "main",
            "Jane Doe",
            "https://dev.azure.com/acme/shop/_build/results?buildId=314",
        );
    }

    #[test]
    fn circleci_and_buildkite() {
        let c = from(&[
            ("CIRCLECI", "true"),
            ("CIRCLE_SHA1", "c1"),
            ("CIRCLE_BRANCH", "dev"),
            ("CIRCLE_USERNAME", "circ"),
            (
                "CIRCLE_BUILD_URL",
                "https://app.circleci.com/pipelines/gh/acme/shop/5",
            ),
        ]);
        expect(
            &c,
            "circleci",
            "c1",
            "dev",
            "circ",
            "https://app.circleci.com/pipelines/gh/acme/shop/5",
        );
        let c = from(&[
            ("BUILDKITE", "true"),
            ("BUILDKITE_COMMIT", "b1"),
            ("BUILDKITE_BRANCH", "main"),
            ("BUILDKITE_BUILD_CREATOR", "kite"),
            (
                "BUILDKITE_BUILD_URL",
                "https://buildkite.com/acme/shop/builds/9",
            ),
        ]);
        expect(
            &c,
            "buildkite",
            "b1",
            "main",
            "kite",
            "https://buildkite.com/acme/shop/builds/9",
        );
    }

    #[test]
    fn no_ci_gives_an_empty_change_and_a_bare_commit_variable_is_enough() {
        assert_eq!(from(&[("HOME", "/root")]), Change::default());
        let c = from(&[("GITHUB_SHA", "feedbeef"), ("GITHUB_REF_NAME", "release")]);
        expect(&c, "github", "feedbeef", "release", "", "");
    }
}
