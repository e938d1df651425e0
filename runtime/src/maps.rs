//! Reading, clearing and zeroing the program's maps in the kernel.

use libbpf_rs::{MapCore, MapFlags, Object};

use ir::{abi, MapDecl, MapId, Program};

use crate::decode::{self, RawEntry};
use crate::value::MapSnapshot;

/// Finds the kernel map with ELF name `name` in a loaded object.
pub fn find<'o>(obj: &'o Object, name: &str) -> Option<libbpf_rs::Map<'o>> {
    obj.maps().find(|m| m.name().to_str() == Some(name))
}

/// Reads every entry of `map` (one slot per possible CPU for per-CPU maps).
pub fn read_raw(map: &dyn MapCore) -> Result<Vec<RawEntry>, String> {
    let per_cpu = map.map_type().is_percpu();
    let mut out = Vec::new();
    for key in map.keys() {
        let value = if per_cpu {
            map.lookup_percpu(&key, MapFlags::ANY)
                .map_err(|e| e.to_string())?
        } else {
            map.lookup(&key, MapFlags::ANY)
                .map_err(|e| e.to_string())?
                .map(|v| vec![v])
        };
        // The entry may have been deleted since the key was listed.
        if let Some(v) = value {
            out.push((key, v));
        }
    }
    Ok(out)
}

/// Reads map `id` of `program` from `obj` and combines it into a snapshot.
pub fn snapshot(obj: &Object, program: &Program, id: MapId) -> Result<MapSnapshot, String> {
    let decl = decl(program, id)?;
    let map = find(obj, &abi::map_symbol(id.0)).ok_or_else(|| {
        format!(
            "map {} ({}) is missing from the BPF object",
            decl.name,
            abi::map_symbol(id.0)
        )
    })?;
    let raw = read_raw(&map).map_err(|e| format!("cannot read map {}: {e}", decl.name))?;
    let mut snap = decode::snapshot(decl, &raw, &program.probe_names)
        .map_err(|e| format!("cannot decode map {}: {e}", decl.name))?;
    // Snapshots are taken to be printed: symbolize the stacks and symbols they hold now.
    crate::symbols::resolve_snapshot_system(&mut snap);
    Ok(snap)
}

/// Snapshots of every map of `program`, in name order, empty ones left out.
pub fn non_empty_snapshots(obj: &Object, program: &Program) -> Result<Vec<MapSnapshot>, String> {
    let mut out = Vec::new();
    for i in 0..program.maps.len() {
        let s = snapshot(obj, program, MapId(i as u32))?;
        if !decode::is_empty(&s) {
            out.push(s);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn decl(program: &Program, id: MapId) -> Result<&MapDecl, String> {
    program
        .maps
        .get(id.0 as usize)
        .ok_or_else(|| format!("unknown map id {}", id.0))
}

/// Deletes every entry of map `id` (`clear(@m)`).
pub fn clear(obj: &Object, program: &Program, id: MapId) -> Result<(), String> {
    let decl = decl(program, id)?;
    let map =
        find(obj, &abi::map_symbol(id.0)).ok_or_else(|| format!("map {} is missing", decl.name))?;
    let keys: Vec<Vec<u8>> = map.keys().collect();
    for k in keys {
        match map.delete(&k) {
            Ok(()) => {}
            Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot clear map {}: {e}", decl.name)),
        }
    }
    Ok(())
}

/// Deletes the entries of map `id` whose key (the user key, without a histogram's bucket index;
/// `None` for a map without keys) `keep` refuses (D's `trunc(@m, n)`).
pub fn retain(
    obj: &Object,
    program: &Program,
    id: MapId,
    keep: &dyn Fn(Option<&crate::value::Value>) -> bool,
) -> Result<(), String> {
    let decl = decl(program, id)?;
    let map =
        find(obj, &abi::map_symbol(id.0)).ok_or_else(|| format!("map {} is missing", decl.name))?;
    let keys: Vec<Vec<u8>> = map.keys().collect();
    for k in keys {
        let user: &[u8] = if abi::is_histogram(&decl.kind) {
            decode::split_hist_key(decl, &k)
                .map_err(|e| format!("cannot decode map {}: {e}", decl.name))?
                .0
        } else {
            &k
        };
        let value = match &decl.key {
            None => None,
            Some(t) => Some(
                decode::decode_value(t, user, &program.probe_names)
                    .map_err(|e| format!("cannot decode map {}: {e}", decl.name))?,
            ),
        };
        if keep(value.as_ref()) {
            continue;
        }
        match map.delete(&k) {
            Ok(()) => {}
            Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot truncate map {}: {e}", decl.name)),
        }
    }
    Ok(())
}

/// Sets every value of map `id` to zero, keeping the keys (`zero(@m)`).
pub fn zero(obj: &Object, program: &Program, id: MapId) -> Result<(), String> {
    let decl = decl(program, id)?;
    let map =
        find(obj, &abi::map_symbol(id.0)).ok_or_else(|| format!("map {} is missing", decl.name))?;
    let size = map.value_size() as usize;
    let per_cpu = map.map_type().is_percpu();
    let ncpus = if per_cpu {
        libbpf_rs::num_possible_cpus().map_err(|e| e.to_string())?
    } else {
        1
    };
    let zeros: Vec<Vec<u8>> = vec![vec![0u8; size]; ncpus];
    let keys: Vec<Vec<u8>> = map.keys().collect();
    for k in keys {
        // EXIST: a key deleted in the meantime stays deleted.
        let r = if per_cpu {
            map.update_percpu(&k, &zeros, MapFlags::EXIST)
        } else {
            map.update(&k, &zeros[0], MapFlags::EXIST)
        };
        match r {
            Ok(()) => {}
            Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot zero map {}: {e}", decl.name)),
        }
    }
    Ok(())
}

/// This CPU-by-CPU drop counters of [`abi::DROPS_MAP`], one vector per slot (empty when the
/// object has no such map).
pub fn drop_counts(obj: &Object) -> Result<Vec<Vec<u64>>, String> {
    let Some(map) = find(obj, abi::DROPS_MAP) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for slot in 0..abi::DROP_SLOTS {
        let k = slot.to_le_bytes();
        let slots = map
            .lookup_percpu(&k, MapFlags::ANY)
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        out.push(
            slots
                .iter()
                .map(|s| {
                    let mut a = [0u8; 8];
                    let n = s.len().min(8);
                    a[..n].copy_from_slice(&s[..n]);
                    u64::from_le_bytes(a)
                })
                .collect(),
        );
    }
    Ok(out)
}

/// Sums the per-CPU `u64` counters of the lost-events map (0 when the object has none).
pub fn lost_events(obj: &Object) -> Result<u64, String> {
    let Some(map) = find(obj, abi::LOST_MAP) else {
        return Ok(0);
    };
    let key_size = map.key_size() as usize;
    let mut total = 0u64;
    for key in 0..map.max_entries() {
        let mut k = key.to_le_bytes().to_vec();
        k.resize(key_size, 0);
        let slots = if map.map_type().is_percpu() {
            map.lookup_percpu(&k, MapFlags::ANY)
                .map_err(|e| e.to_string())?
                .unwrap_or_default()
        } else {
            map.lookup(&k, MapFlags::ANY)
                .map_err(|e| e.to_string())?
                .map(|v| vec![v])
                .unwrap_or_default()
        };
        for s in slots {
            let mut a = [0u8; 8];
            let n = s.len().min(8);
            a[..n].copy_from_slice(&s[..n]);
            total = total.wrapping_add(u64::from_le_bytes(a));
        }
    }
    Ok(total)
}

/// Writes the globals entry ([`abi::Globals`]) with the tracing start time and the offset of
/// wall-clock time from the monotonic clock.
pub fn write_globals(obj: &Object, start_ns: u64) -> Result<(), String> {
    let Some(map) = find(obj, abi::GLOBALS_MAP) else {
        return Ok(());
    };
    let mut value = vec![0u8; (map.value_size() as usize).max(abi::Globals::SIZE as usize)];
    let off = abi::Globals::START_NS as usize;
    value[off..off + 8].copy_from_slice(&start_ns.to_le_bytes());
    let wall = crate::text::clock_offset_ns() as i64;
    let off = abi::Globals::WALL_OFFSET_NS as usize;
    value[off..off + 8].copy_from_slice(&wall.to_le_bytes());
    value.truncate(map.value_size() as usize);
    let mut key = 0u32.to_le_bytes().to_vec();
    key.resize(map.key_size() as usize, 0);
    map.update(&key, &value, MapFlags::ANY)
        .map_err(|e| format!("cannot write {}: {e}", abi::GLOBALS_MAP))
}

/// Sets [`abi::Globals::STOPPED`]: from now on the programs of event-driven probes return at once
/// (called before END runs; the attachments themselves are released later).
pub fn stop_probes(obj: &Object) -> Result<(), String> {
    let Some(map) = find(obj, abi::GLOBALS_MAP) else {
        return Ok(());
    };
    let mut key = 0u32.to_le_bytes().to_vec();
    key.resize(map.key_size() as usize, 0);
    let mut value = map
        .lookup(&key, MapFlags::ANY)
        .map_err(|e| format!("cannot read {}: {e}", abi::GLOBALS_MAP))?
        .unwrap_or_else(|| vec![0u8; map.value_size() as usize]);
    let off = abi::Globals::STOPPED as usize;
    if value.len() < off + 8 {
        return Ok(());
    }
    value[off..off + 8].copy_from_slice(&1u64.to_le_bytes());
    map.update(&key, &value, MapFlags::ANY)
        .map_err(|e| format!("cannot write {}: {e}", abi::GLOBALS_MAP))
}

/// `CLOCK_MONOTONIC` now in nanoseconds: the clock of `bpf_ktime_get_ns`.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}
