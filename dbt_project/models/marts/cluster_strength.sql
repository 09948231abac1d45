-- U.S. Cluster Mapping indicators (METHOD.md 1.4) on the Project's 2014 cluster definitions, for
-- counties, BEA Economic Areas and states, with LQs against the nation (lq_reference).
with region_cluster as (
    select * from {{ ref('int_region_cluster_employment') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

with_lq as (
    -- Rounded to the published precision before any rule compares them, so that floating-point
    -- sums taken in another order give the same flags and the same published values.
    select
        country, ref_year, region_type, region_code, region_name, cluster_code, cluster_name,
        cluster_type, is_estimate, lq_reference,
        round(employees, 4) as employees,
        round(establishments, 4) as establishments,
        round(payroll, 4) as payroll,
        round({{ safe_divide(safe_divide('employees', 'region_type_employees'),
                             safe_divide('nation_cluster_employees', 'nation_type_employees')) }}, 6) as lq
    from region_cluster
    where employees > 0
),

percentiles as (
    -- Over all regions of one type with employment > 0 in the cluster.
    select
        w.country, w.ref_year, w.region_type, w.cluster_code,
        count(*) as regions_with_employment,
        round({{ percentile_linear('w.lq', rule('cluster_strong_lq_percentile')) }}, 6) as lq_strong_threshold,
        round({{ percentile_linear('w.lq', rule('cluster_strong10_lq_percentile')) }}, 6) as lq_strong10_threshold,
        round({{ percentile_linear('w.lq', rule('cluster_significant_lq_percentile')) }}, 6) as lq_significant_threshold,
        round({{ percentile_linear('w.lq', rule('cluster_qualifying_lq_percentile')) }}, 6) as lq_qualifying_threshold,
        round({{ percentile_linear('w.employees', rule('cluster_min_employees_percentile')) }}, 6) as employees_threshold,
        round({{ percentile_linear('w.establishments', rule('cluster_min_establishments_percentile')) }}, 6) as establishments_threshold
    from with_lq as w
    group by w.country, w.ref_year, w.region_type, w.cluster_code
),

final as (
    select
        w.country,
        w.ref_year,
        w.region_type,
        w.region_code,
        w.region_name,
        w.cluster_code,
        w.cluster_name,
        w.cluster_type = 'traded' as is_traded,
        w.employees,
        w.establishments,
        w.payroll,
        w.lq,
        w.lq_reference,
        p.regions_with_employment,
        p.lq_strong_threshold,
        p.employees_threshold,
        p.establishments_threshold,
        w.employees > p.employees_threshold and w.establishments > p.establishments_threshold as meets_size_conditions,
        w.lq >= p.lq_strong_threshold and w.lq >= r.cluster_strong_min_lq
            and w.employees > p.employees_threshold and w.establishments > p.establishments_threshold as is_strong,
        w.lq >= p.lq_strong10_threshold and w.lq >= r.cluster_strong_min_lq
            and w.employees > p.employees_threshold and w.establishments > p.establishments_threshold as is_strong10,
        w.lq > p.lq_significant_threshold
            and w.employees > p.employees_threshold and w.establishments > p.establishments_threshold as is_significant,
        w.lq > p.lq_qualifying_threshold
            and w.employees > p.employees_threshold and w.establishments > p.establishments_threshold as is_qualifying,
        w.is_estimate,
        r.rule_set_version
    from with_lq as w
    inner join percentiles as p
        on w.country = p.country and w.ref_year = p.ref_year
        and w.region_type = p.region_type and w.cluster_code = p.cluster_code
    cross join rules as r
)

select * from final
