//! The `use` graph: cycles (each reported once) and the dependency order of the modules
//! that are kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One module's outgoing `use` edges to modules that exist.
pub(crate) struct Node<'a> {
    pub name: &'a str,
    pub uses: Vec<&'a str>,
}

/// Every cycle once, each as the modules on it in order, starting from its alphabetically
/// first module (one cycle per strongly connected component, so a tangle is one report).
pub(crate) fn cycles<'a>(nodes: &[Node<'a>]) -> Vec<Vec<&'a str>> {
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.name, i)).collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            n.uses
                .iter()
                .filter_map(|u| index.get(u).copied())
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for comp in tarjan(&adj) {
        if comp.len() < 2 {
            continue; // a self-use is reported as `UseSelf`
        }
        let members: BTreeSet<usize> = comp.iter().copied().collect();
        let start = *comp
            .iter()
            .min_by_key(|i| nodes[**i].name)
            .expect("a component is not empty");
        // Breadth-first search from `start` back to `start` inside the component: the shortest cycle.
        let mut prev: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut end = None;
        'search: while let Some(v) = queue.pop_front() {
            let mut next: Vec<usize> = adj[v]
                .iter()
                .copied()
                .filter(|w| members.contains(w))
                .collect();
            next.sort_by_key(|w| nodes[*w].name);
            for w in next {
                if w == start {
                    end = Some(v);
                    break 'search;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        let mut path = vec![start];
        let mut v = end.expect("a component of two or more has a cycle through every member");
        while v != start {
            path.push(v);
            v = prev[&v];
        }
        path[1..].reverse();
        out.push(path.into_iter().map(|i| nodes[i].name).collect());
    }
    out.sort();
    out
}

/// Strongly connected components (Tarjan), iterative so deep graphs cannot overflow.
fn tarjan(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adj.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comps = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == usize::MAX {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = adj[v].get(*child) {
                *child += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comps.push(comp);
            }
        }
    }
    comps
}

/// The modules to keep, in dependency order (ties by name): those without errors whose
/// every (transitive) dependency is kept too.
pub(crate) fn order<'a>(nodes: &[Node<'a>], has_errors: &dyn Fn(&str) -> bool) -> Vec<&'a str> {
    let by_name: BTreeMap<&str, &Node<'a>> = nodes.iter().map(|n| (n.name, n)).collect();
    // Kahn's algorithm; a module becomes ready when all it uses are placed. Modules in a
    // cycle never become ready, and neither does anything that uses them.
    let mut waiting: HashMap<&str, usize> = HashMap::new();
    let mut users: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut ready: BTreeSet<&str> = BTreeSet::new();
    for n in nodes {
        let deps: BTreeSet<&str> = n
            .uses
            .iter()
            .copied()
            .filter(|u| by_name.contains_key(u))
            .collect();
        for d in &deps {
            users.entry(d).or_default().push(n.name);
        }
        waiting.insert(n.name, deps.len());
        if deps.is_empty() && !has_errors(n.name) {
            ready.insert(n.name);
        }
    }
    let mut out = Vec::new();
    while let Some(m) = ready.pop_first() {
        out.push(m);
        for u in users.get(m).map(Vec::as_slice).unwrap_or(&[]) {
            let w = waiting.get_mut(u).expect("every user is a node");
            *w -= 1;
            if *w == 0 && !has_errors(u) {
                ready.insert(u);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes<'a>(edges: &[(&'a str, &[&'a str])]) -> Vec<Node<'a>> {
        edges
            .iter()
            .map(|(n, us)| Node {
                name: n,
                uses: us.to_vec(),
            })
            .collect()
    }

    #[test]
    fn cycles_are_reported_once_from_the_first_name() {
        let g = nodes(&[("c", &["a"]), ("a", &["b"]), ("b", &["c"]), ("d", &["a"])]);
        assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    }

    #[test]
    fn order_puts_dependencies_first_and_drops_error_users() {
        let g = nodes(&[
            ("z", &[]),
            ("a", &["z"]),
            ("b", &[]),
            ("bad", &[]),
            ("user", &["bad"]),
        ]);
        assert_eq!(order(&g, &|m| m == "bad"), vec!["b", "z", "a"]);
    }
}
