//! Requests of DS01's image commands beyond `images.rs`: which containers
//! were made from an image (`docker ps -a --filter ancestor=IMAGE`).

use super::{ContainerSummary, Engine, EngineError};
use bollard::query_parameters::ListContainersOptions;
use std::collections::HashMap;

impl Engine {
    /// Every container (all states, newest first) made from `image` or
    /// from an image built on it, as `docker ps -a --filter
    /// ancestor=IMAGE` lists them.  An image the engine does not know
    /// matches no container.
    pub fn containers_from_image(&self, image: &str) -> Result<Vec<ContainerSummary>, EngineError> {
        let filters = HashMap::from([("ancestor".to_string(), vec![image.to_string()])]);
        self.call("GET /containers/json", |d| {
            let options = ListContainersOptions {
                all: true,
                filters: Some(filters.clone()),
                ..Default::default()
            };
            async move { d.list_containers(Some(options)).await }
        })
    }
}
