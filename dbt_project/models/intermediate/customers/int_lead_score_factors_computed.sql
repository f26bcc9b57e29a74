{#- One row per customer × scoring factor with its points (weights: seed scoring_weights), for customers
    that existed on the scoring date. Fit: seniority, company size, industry, country, free-mail penalty.
    Engagement: per activity group, the sum of activity points halved every half_life_days before the
    scoring date, capped per group. -#}
with scoring as (
    select scoring_date from {{ ref('int_scoring_dates_resolved') }}
),

weights as (
    select component, factor, match_value, points from {{ ref('scoring_weights') }}
),

half_life as (
    select points as half_life_days from weights where component = 'setting' and factor = 'half_life_days'
),

customers as (
    select profiles.*
    from {{ ref('int_customer_profiles_survived') }} as profiles
    inner join {{ ref('int_customer_lifecycles_derived') }} as lifecycles
        on profiles.customer_id = lifecycles.customer_id
    cross join scoring
    where lifecycles.lead_at < {{ dbt.dateadd('day', 1, 'scoring.scoring_date') }}
),

seniorities as (
    select
        customers.customer_id,
        coalesce(
            min(case when regexp_matches(lower(customers.job_title), rules.pattern)
                then rules.priority * 100 end),
            9999
        ) as rule_rank
    from customers
    cross join {{ ref('title_seniority_rules') }} as rules
    group by customers.customer_id
),

seniority_values as (
    select seniorities.customer_id, coalesce(rules.seniority, 'ic') as seniority
    from seniorities
    left join {{ ref('title_seniority_rules') }} as rules on seniorities.rule_rank = rules.priority * 100
),

size_thresholds as (
    select cast(match_value as {{ dbt.type_bigint() }}) as min_employees, points
    from weights where component = 'fit' and factor = 'company_size'
),

sizes as (
    select
        customers.customer_id,
        max(size_thresholds.min_employees) as min_employees
    from customers
    inner join size_thresholds on customers.employee_count >= size_thresholds.min_employees
    group by customers.customer_id
),

fit_factors as (
    select seniority_values.customer_id, 'fit' as component, 'seniority' as factor,
        seniority_values.seniority as factor_value, weights.points
    from seniority_values
    inner join weights
        on weights.component = 'fit' and weights.factor = 'seniority'
        and weights.match_value = seniority_values.seniority

    union all
    select sizes.customer_id, 'fit', 'company_size',
        cast(sizes.min_employees as {{ dbt.type_string() }}) || '+ employees', size_thresholds.points
    from sizes
    inner join size_thresholds on sizes.min_employees = size_thresholds.min_employees

    {% for attribute in ['industry', 'country'] %}
    union all
    select customers.customer_id, 'fit', '{{ attribute }}', lower(customers.{{ attribute }}), weights.points
    from customers
    inner join weights
        on weights.component = 'fit' and weights.factor = '{{ attribute }}'
        and weights.match_value = lower(customers.{{ attribute }})
    {% endfor %}

    union all
    select customers.customer_id, 'fit', 'free_mail', 'only free-mail addresses', weights.points
    from customers
    inner join weights on weights.component = 'fit' and weights.factor = 'free_mail'
    where customers.has_only_free_mail
),

activities as (
    select
        activities.customer_id,
        activities.activity_group,
        weights.points * power(
            0.5,
            {{ dbt.datediff('activities.occurred_at', 'scoring.scoring_date', 'day') }}
                / half_life.half_life_days
        ) as decayed_points
    from {{ ref('int_customer_activities_unioned') }} as activities
    inner join customers on activities.customer_id = customers.customer_id
    cross join scoring
    cross join half_life
    inner join weights
        on weights.component = 'engagement' and weights.factor = 'activity'
        and weights.match_value = activities.activity_type
    where activities.occurred_at < {{ dbt.dateadd('day', 1, 'scoring.scoring_date') }}
),

engagement_factors as (
    select
        activities.customer_id,
        'engagement' as component,
        activities.activity_group as factor,
        cast(count(*) as {{ dbt.type_string() }}) || ' activities' as factor_value,
        least(sum(activities.decayed_points), max(caps.points)) as points
    from activities
    inner join weights as caps
        on caps.component = 'engagement' and caps.factor = 'cap'
        and caps.match_value = activities.activity_group
    group by activities.customer_id, activities.activity_group
)

select * from fit_factors
union all
select * from engagement_factors
