fn main() {
    for e in std::fs::read_dir("/work/shared/corpus").unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().and_then(|s| s.to_str()).unwrap_or("");
        if !matches!(ext, "json" | "yml" | "yaml") { continue; }
        let bytes = std::fs::read(&p).unwrap();
        let t = std::time::Instant::now();
        let r = apigend::spec::parse(&bytes, &p.display().to_string(), &|_| Err("no".into()));
        match r {
            Ok(d) => println!("ok {:?} {} ops={} warn={:?}", t.elapsed(), p.file_name().unwrap().to_str().unwrap(), d.api.operations().count(), d.warnings.iter().take(2).collect::<Vec<_>>()),
            Err(e) => println!("ERR {}", e),
        }
    }
}
