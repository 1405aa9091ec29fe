fn main() {
    xops_signin::start();
}
