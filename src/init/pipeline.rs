//! What a CI configuration tells init, whatever the CI: the services its jobs run against,
//! what its scripts do to them and install, and the variables the test jobs set.

use super::ci_env;
use super::hints::Hints;
use super::installs;
use super::service::{self, Service};
use super::setup::{self, Setup};

#[derive(Debug, Default)]
pub struct Pipeline {
    pub services: Vec<Service>,
    /// What the scripts do to the servers (`psql -c "CREATE ROLE ..."`).
    pub setup: Setup,
    /// The scripts of the jobs that run the tests (every job's when none looks like one): what
    /// they install is what the tests need, a lint job's is not.
    pub test_scripts: String,
    /// The variables of the jobs that run the tests; none without such a job.
    pub env: Vec<(String, String)>,
}

impl Pipeline {
    /// From what a CI file declares (every script, one command a line; those of the test jobs
    /// when some look like one): servers the scripts start themselves with `docker run` count
    /// as services too.
    pub fn new(
        mut services: Vec<Service>,
        scripts: String,
        test_scripts: Option<String>,
        env: Vec<(String, String)>,
    ) -> Pipeline {
        for started in super::docker_run::services(&scripts) {
            if !services.contains(&started) {
                services.push(started);
            }
        }
        let setup = setup::parse(&scripts);
        Pipeline { services, setup, test_scripts: test_scripts.unwrap_or(scripts), env }
    }

    /// Adds what it says to the hints, as found in `file`.
    pub fn add_to(&self, hints: &mut Hints, file: &str) {
        let first = hints.datastores.len();
        service::add_hints(hints, file, &self.services);
        self.setup.apply(&mut hints.datastores[first..]);
        hints.installs.push(installs::from_script(file, &self.test_scripts));
        hints.env.extend(self.env.iter().map(|(name, value)| ci_env::read(file, name, value)));
    }
}
