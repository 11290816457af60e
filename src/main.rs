fn main() -> std::process::ExitCode {
    devup::run::main()
}
