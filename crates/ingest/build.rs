// The embedded monitor is read from data/ at compile time; rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=../../data");
}
