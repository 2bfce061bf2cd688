//! `mlc stats`: CPU, memory and process counts of every running container
//! on the host (the original does not filter by user or label).

use crate::context::Ctx;
use crate::engine::{binary_size, ContainerStatsResponse};
use crate::error::Outcome;
use crate::ui::colour;

fn row(cells: [&str; 5]) -> String {
    format!(
        "{:<30}{:<10}{:<25}{:<10}{:<15}\n",
        cells[0], cells[1], cells[2], cells[3], cells[4]
    )
}

/// The docker CLI's figures for one sample (`docker stats --no-stream`).
struct Figures {
    cpu: String,
    mem_usage: String,
    mem_percent: String,
    pids: String,
}

fn figures(s: &ContainerStatsResponse) -> Figures {
    let cpu = s.cpu_stats.as_ref();
    let pre = s.precpu_stats.as_ref();
    let total = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0) as f64
    };
    let system = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.system_cpu_usage).unwrap_or(0) as f64
    };
    let online = cpu
        .and_then(|c| c.online_cpus)
        .map(f64::from)
        .filter(|&n| n > 0.0)
        .or_else(|| {
            cpu.and_then(|c| c.cpu_usage.as_ref())
                .and_then(|u| u.percpu_usage.as_ref())
                .map(|p| p.len() as f64)
        })
        .unwrap_or(0.0);
    let cpu_delta = total(cpu) - total(pre);
    let system_delta = system(cpu) - system(pre);
    let cpu_percent = if cpu_delta > 0.0 && system_delta > 0.0 {
        cpu_delta / system_delta * online * 100.0
    } else {
        0.0
    };

    let mem = s.memory_stats.as_ref();
    let usage = mem.and_then(|m| m.usage).unwrap_or(0) as f64;
    let limit = mem.and_then(|m| m.limit).unwrap_or(0) as f64;
    // Page cache does not count, as in the CLI: cgroup v1 reports
    // total_inactive_file, v2 inactive_file.
    let inactive = mem
        .and_then(|m| m.stats.as_ref())
        .and_then(|st| {
            st.get("total_inactive_file")
                .or_else(|| st.get("inactive_file"))
        })
        .map(|&v| v as f64)
        .filter(|&v| v < usage)
        .unwrap_or(0.0);
    let used = usage - inactive;
    let mem_percent = if limit > 0.0 {
        used / limit * 100.0
    } else {
        0.0
    };
    let pids = s.pids_stats.as_ref().and_then(|p| p.current).unwrap_or(0);
    Figures {
        cpu: format!("{cpu_percent:.2}%"),
        mem_usage: format!("{} / {}", binary_size(used), binary_size(limit)),
        mem_percent: format!("{mem_percent:.2}%"),
        pids: pids.to_string(),
    }
}

pub fn run(ctx: &mut Ctx) -> Outcome {
    // An engine that does not answer is an error with docker's message
    // (the original discarded it and said nothing was running).
    let running = ctx.engine()?.list_containers(false, &[], false)?;
    let ids: Vec<String> = running.iter().filter_map(|c| c.id.clone()).collect();
    let samples = match ctx.engine() {
        Ok(e) if !ids.is_empty() => e.stats(&ids),
        _ => Vec::new(),
    };
    let mut rows = String::new();
    for (id, sample) in samples {
        let Ok(s) = sample else { continue };
        let name = s
            .name
            .clone()
            .or_else(|| {
                running
                    .iter()
                    .find(|c| c.id.as_deref() == Some(id.as_str()))
                    .and_then(|c| c.names.as_ref()?.first().cloned())
            })
            .unwrap_or_default();
        let name = name.trim_start_matches('/');
        let base = crate::model::tag::base_name(name);
        let f = figures(&s);
        rows.push_str(&row([
            &format!("[{base}]"),
            &f.cpu,
            &f.mem_usage,
            &f.mem_percent,
            &f.pids,
        ]));
    }
    if rows.is_empty() {
        ctx.out(&format!(
            "\n{}There are no running containers. Start or open a container to show the stats.{}\n\n",
            colour::ERROR,
            colour::RESET
        ));
        return Ok(0);
    }
    ctx.out(&format!(
        "\n{}Current stats of the running containers:{}\n{}{}\n",
        colour::INFO,
        colour::RESET,
        row([
            "CONTAINER",
            "CPU %",
            "MEM USAGE / LIMIT",
            "MEM %",
            "PROCESSES (PIDs)"
        ]),
        rows
    ));
    Ok(0)
}
