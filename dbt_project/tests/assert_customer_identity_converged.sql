-- Label propagation stopped before convergence (raise identity_max_iterations) when two records
-- joined by a link ended in different customers.
select links.link_key
from {{ ref('int_identity_links_guarded') }} as links
inner join {{ ref('int_identity_components_resolved') }} as components
    on links.record_key = components.record_key
group by links.link_key
having count(distinct components.customer_id) > 1
