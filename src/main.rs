fn main() {
    std::process::exit(casebook::cli::run());
}
