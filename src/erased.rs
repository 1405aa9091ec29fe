//! `Action`s and `LocalResource`s with their closure and future boxed. Leptos compiles its
//! machinery for each (an action's pending and value signals, a resource's async memo) once per
//! closure and future type, so once per place that makes one; boxed, it is compiled once per
//! input and output type, which many share. Every action and resource of the app is made here.

use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;
type Run<I, O> = Rc<dyn Fn(&I) -> Boxed<O>>;

/// `Action::new_local`, boxed.
pub fn local_action<I: 'static, O: 'static, Fut: Future<Output = O> + 'static>(
    run: impl Fn(&I) -> Fut + 'static,
) -> Action<I, O> {
    action_of(Rc::new(move |input: &I| -> Boxed<O> { Box::pin(run(input)) }))
}

fn action_of<I: 'static, O: 'static>(run: Run<I, O>) -> Action<I, O> {
    Action::new_local(move |input: &I| run(input))
}

/// `LocalResource::new`, boxed. (What the closure reads before its first `.await` is tracked, as
/// with `LocalResource::new`: the closure runs as it did.)
pub fn local_resource<T: 'static, Fut: Future<Output = T> + 'static>(fetch: impl Fn() -> Fut + 'static) -> LocalResource<T> {
    resource_of(Rc::new(move || -> Boxed<T> { Box::pin(fetch()) }))
}

fn resource_of<T: 'static>(fetch: Rc<dyn Fn() -> Boxed<T>>) -> LocalResource<T> {
    LocalResource::new(move || fetch())
}
