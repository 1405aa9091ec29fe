fn main() {
    console_error_panic_hook::set_once();
    xops_integrations::start();
}
