(module
  (type (;0;) (func))
  (type (;1;) (func))
  (table (;0;) 64 funcref)
  (memory (;0;) 1)
  (func (;0;) (type 1)
    (local i32 i32 f64 f32 i32 i32 i32 i32 i32)
    local.get 2
    f64.const 0x0p+0 (;=0;)
    f64.ne
    if ;; label = @1
      block ;; label = @2
        local.get 0
        br_if 0 (;@2;)
        local.get 0
        drop
      end
      i32.const 3
      local.set 5
      loop ;; label = @2
        i32.const 924
        drop
        i32.const 208
        i32.const 6
        i32.store8
        local.get 5
        i32.const 1
        i32.sub
        local.tee 5
        br_if 0 (;@2;)
      end
    else
      i32.const 1000
      local.get 1
      i32.const 7
      memory.fill
    end
    local.get 2
    f64.const 0x1.15ep+8 (;=277.875;)
    f64.sub
    i32.const 2584
    f64.load offset=496
    f64.sub
    drop
    i32.const 0
    i32.const 3470
    local.get 1
    i32.const 170
    i32.lt_u
    select
    i32.const 63
    local.set 8
    drop
    local.get 8
    call_indirect (type 0)
    local.get 0
    i32.const 3238
    i32.gt_s
    if ;; label = @1
      i32.const 3
      local.set 6
      loop ;; label = @2
        i32.const 1064
        i64.const 20
        i64.store8
        i32.const 6
        local.set 7
        loop ;; label = @3
          block ;; label = @4
            local.get 0
            i32.const 145
            i32.lt_u
            if (result i32) ;; label = @5
              local.get 1
            else
              local.get 0
            end
            drop
            local.get 4
            local.get 0
            i32.const 65520
            i32.and
            v128.load32_splat offset=16
            unreachable
          end
          unreachable
        end
        unreachable
      end
      unreachable
    else
      unreachable
    end
    unreachable
  )
)
