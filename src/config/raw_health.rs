//! The raw shape of `[components.NAME.health]`.

use schemars::JsonSchema;
use serde::Deserialize;

use super::defaults;
use super::raw::RawDuration;

/// `health`: one probe used for readiness and liveness, or `readiness` and
/// `liveness` given apart. Timing keys here apply to both unless they set their own.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawHealth {
    /// HTTP probe: a URL, or `{ url, status = "200-399" }`.
    pub http: Option<RawHttp>,
    /// TCP probe: "host:port" that must accept a connection.
    pub tcp: Option<String>,
    /// Exec probe: an argv array that must exit 0.
    pub exec: Option<Vec<String>>,
    /// Heartbeat probe: a file the program touches.
    pub heartbeat: Option<RawHeartbeat>,
    /// Time between probes.
    #[schemars(extend("default" = defaults::PROBE_INTERVAL))]
    pub interval: Option<RawDuration>,
    /// Time one probe may take.
    #[schemars(extend("default" = defaults::PROBE_TIMEOUT))]
    pub timeout: Option<RawDuration>,
    /// Failures during this time after start do not count.
    #[schemars(extend("default" = defaults::PROBE_START_PERIOD))]
    pub start_period: Option<RawDuration>,
    /// Failures in a row that make the component unhealthy.
    #[schemars(extend("default" = defaults::PROBE_FAILURE_THRESHOLD))]
    pub failure_threshold: Option<u32>,
    /// Successes in a row that make it healthy again.
    #[schemars(extend("default" = defaults::PROBE_SUCCESS_THRESHOLD))]
    pub success_threshold: Option<u32>,
    /// Probe that decides when the component is ready (`healthy`).
    pub readiness: Option<RawProbe>,
    /// Probe that keeps checking the component while it runs.
    pub liveness: Option<RawProbe>,
}

/// `health.readiness` or `health.liveness`: exactly one of `http`, `tcp`,
/// `exec` or `heartbeat`, with its timing.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawProbe {
    /// HTTP probe: a URL, or `{ url, status = "200-399" }`.
    pub http: Option<RawHttp>,
    /// TCP probe: "host:port" that must accept a connection.
    pub tcp: Option<String>,
    /// Exec probe: an argv array that must exit 0.
    pub exec: Option<Vec<String>>,
    /// Heartbeat probe: a file the program touches.
    pub heartbeat: Option<RawHeartbeat>,
    /// Time between probes. Default: `health.interval`.
    #[schemars(extend("default" = defaults::PROBE_INTERVAL))]
    pub interval: Option<RawDuration>,
    /// Time one probe may take. Default: `health.timeout`.
    #[schemars(extend("default" = defaults::PROBE_TIMEOUT))]
    pub timeout: Option<RawDuration>,
    /// Failures during this time after start do not count.
    #[schemars(extend("default" = defaults::PROBE_START_PERIOD))]
    pub start_period: Option<RawDuration>,
    /// Failures in a row that make the probe fail.
    #[schemars(extend("default" = defaults::PROBE_FAILURE_THRESHOLD))]
    pub failure_threshold: Option<u32>,
    /// Successes in a row that make the probe pass again.
    #[schemars(extend("default" = defaults::PROBE_SUCCESS_THRESHOLD))]
    pub success_threshold: Option<u32>,
}

/// An HTTP probe: a URL string or a table.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum RawHttp {
    Url(String),
    Table(RawHttpTable),
}

/// Dispatches on the TOML type by hand rather than with `untagged`, so that
/// errors inside the table (an unknown key, a wrong type) keep their own
/// message and position.
impl<'de> Deserialize<'de> for RawHttp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HttpVisitor;

        impl<'de> serde::de::Visitor<'de> for HttpVisitor {
            type Value = RawHttp;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str(
                    "a URL like \"http://127.0.0.1:8080/health\" or a table { url, status }",
                )
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawHttp, E> {
                Ok(RawHttp::Url(value.to_owned()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawHttp, A::Error> {
                let access = serde::de::value::MapAccessDeserializer::new(map);
                RawHttpTable::deserialize(access).map(RawHttp::Table)
            }
        }

        deserializer.deserialize_any(HttpVisitor)
    }
}

/// `http = { url, status }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawHttpTable {
    /// The URL to GET.
    pub url: String,
    /// Accepted status codes: "200", "200-399".
    #[schemars(extend("default" = defaults::HTTP_STATUS))]
    pub status: Option<String>,
}

/// `heartbeat = { path, max_age }`: healthy while the file is younger than `max_age`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawHeartbeat {
    /// The file, relative to this file.
    pub path: String,
    /// Age after which the probe fails.
    #[schemars(extend("default" = defaults::HEARTBEAT_MAX_AGE))]
    pub max_age: Option<RawDuration>,
}
