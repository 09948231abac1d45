-- Published as computed in intermediate.int_districts (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_districts') }}
